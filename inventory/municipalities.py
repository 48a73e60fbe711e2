"""Reading and validating the municipality list (the CSV contract of the foundation issue)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from inventory.errors import UsageError

REQUIRED_COLUMNS = ("code", "name", "county_code", "county", "website")


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    county_code: str
    county: str
    website: str
    alt_hosts: tuple[str, ...] = ()

    @property
    def host(self) -> str:
        return urlsplit(self.website).hostname or ""


def bundled_path() -> Path:
    """The bundled list of all 290 municipalities (copied from ../shared/data, see data/README.md)."""
    return Path(str(resources.files("inventory") / "data" / "municipalities.csv"))


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


def read_municipalities(path: Path) -> list[Municipality]:
    """Read and validate a municipality CSV.

    Every problem raises ``UsageError`` naming the file, the line and the problem, because analysts
    edit these files by hand and a silent skip would drop a municipality from the statistics.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: file not found") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        content = raw.decode("utf-8-sig")  # a BOM from Excel is harmless
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 (byte {exc.start}); save the file as UTF-8") from None
    reader = csv.DictReader(io.StringIO(content, newline=""))
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
        code = values["code"]
        if code in seen:
            raise UsageError(f"{path}:{line}: duplicate code {code} (first on line {seen[code]})")
        seen[code] = line
        problem = _check_url(values["website"])
        if problem:
            raise UsageError(f"{path}:{line}: {problem}")
        alt = tuple(h.strip() for h in (row.get("skr_host") or "").split(";") if h.strip())
        result.append(Municipality(alt_hosts=alt, **values))
    if not result:
        raise UsageError(f"{path}: no municipalities listed")
    return result
