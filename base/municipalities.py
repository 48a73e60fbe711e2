"""Reading and validating the municipality list (the CSV contract of the foundation issue).

Lists come as people have them: saved from Swedish Excel (``;``-separated, in the Windows code page
cp1252 or as "CSV UTF-8" with a BOM, leading zeros stripped from the codes) or written by a script
(``,``, UTF-8). docs/cli.md, "The municipality list", describes what is accepted.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from base.errors import UsageError

REQUIRED_COLUMNS = ("code", "name", "county_code", "county", "website")
# (column, digits): municipality codes have four digits, county codes two.
CODE_DIGITS = (("code", 4), ("county_code", 2))


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    county_code: str
    county: str
    website: str
    alt_hosts: tuple[str, ...] = ()
    # Business-promotion hosts (the municipality's business company's site), when the list names them
    # (optional column ``business_hosts``, ``;``-separated); the crawler also finds them by their links.
    business_hosts: tuple[str, ...] = ()

    @property
    def host(self) -> str:
        return urlsplit(self.website).hostname or ""


def bundled_path() -> Path:
    """The bundled list of all 290 municipalities (copied from ../shared/data, see data/README.md)."""
    return Path(str(resources.files("base") / "data" / "municipalities.csv"))


def _check_url(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"website {url!r} must start with http:// or https://"
    if not parts.hostname:
        return f"website {url!r} has no host name"
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return f"website {url!r} has a malformed port"
    if any(c.isspace() for c in url):
        return f"website {url!r} contains white space"
    return None


def decode_text(path: Path, raw: bytes) -> str:
    """UTF-8 (with or without BOM), else cp1252, the code page Swedish Excel saves "CSV" in.

    Valid UTF-8 is taken as UTF-8: a cp1252 file with å, ä or ö is practically never valid UTF-8.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UsageError(f"{path}:{line}: neither UTF-8 nor Windows-1252 text (byte 0x{raw[exc.start]:02x}); "
                         "in Excel, save as 'CSV UTF-8'") from None


def normalise_code(value: str, digits: int) -> str | None:
    """The code with the leading zero Excel strips put back (``582`` -> ``0582``); None when ambiguous.

    Only one missing digit is restored: codes start with at most one zero (01-25), so a code two digits
    short is not a stripped zero but a mistake.
    """
    value = value.strip()
    if not value.isascii() or not value.isdigit():
        return None
    if len(value) == digits - 1:
        return "0" + value
    return value if len(value) == digits else None


def read_municipalities(path: Path) -> list[Municipality]:
    """Read and validate a municipality CSV.

    Every problem raises ``UsageError`` naming the file, the line and the problem, because analysts
    edit these files by hand and a silent skip would drop a municipality from the statistics.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a folder, not a CSV file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    content = decode_text(path, raw)
    first = content.split("\n", 1)[0]
    # Swedish Excel separates with semicolons (its decimal sign is the comma); decided by the header line.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    try:
        return _read_rows(path, reader)
    except csv.Error as exc:
        raise UsageError(f"{path}:{reader.line_num}: malformed CSV ({exc})") from None


def _read_rows(path: Path, reader: csv.DictReader[str]) -> list[Municipality]:
    if reader.fieldnames:
        reader.fieldnames = [h.strip().lower() for h in reader.fieldnames]
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise UsageError(
            f"{path}:1: missing column(s) {', '.join(missing)}; required: {', '.join(REQUIRED_COLUMNS)}"
        )
    seen: dict[str, int] = {}
    result: list[Municipality] = []
    for row in reader:
        line = reader.line_num
        if None in row:
            raise UsageError(f"{path}:{line}: more fields than the header has columns")
        values = {c: (row.get(c) or "").strip() for c in REQUIRED_COLUMNS}
        empty = [c for c in REQUIRED_COLUMNS if not values[c]]
        if empty:
            raise UsageError(f"{path}:{line}: empty {', '.join(empty)}")
        for column, digits in CODE_DIGITS:
            code = normalise_code(values[column], digits)
            if code is None:
                raise UsageError(f"{path}:{line}: {column} {values[column]!r} is not a {digits}-digit code "
                                 f"(a {digits - 1}-digit one gets its leading zero back)")
            values[column] = code
        code = values["code"]
        if code in seen:
            raise UsageError(f"{path}:{line}: duplicate code {code} (first on line {seen[code]})")
        seen[code] = line
        problem = _check_url(values["website"])
        if problem:
            raise UsageError(f"{path}:{line}: {problem}")
        alt = tuple(h.strip() for h in (row.get("skr_host") or "").split(";") if h.strip())
        business = tuple(h.strip().lower() for h in (row.get("business_hosts") or "").split(";") if h.strip())
        result.append(Municipality(alt_hosts=alt, business_hosts=business, **values))
    if not result:
        raise UsageError(f"{path}: no municipalities listed")
    return result
