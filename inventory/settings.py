"""Run settings, read once from the command line (and an optional TOML file) and validated."""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from base.errors import UsageError

DEFAULT_DB = "outputs/kommunprogram.sqlite"


@dataclass(frozen=True)
class RunSettings:
    year: int
    db_url: str = DEFAULT_DB
    out_dir: Path | None = None  # default outputs/<year>/
    municipalities_csv: Path | None = None  # default: the bundled list of 290
    allow_private_addresses: bool = False
    overrides: Path | None = None
    contact: str | None = None  # the operator's e-mail or URL, put into the crawler's User-Agent
    model: Path | None = None  # the model artefact to crawl and classify with (default: the shipped one)
    crawl: dict[str, Any] = field(default_factory=dict)  # CrawlConfig overrides from --config [crawl]

    def __post_init__(self) -> None:
        this_year = date.today().year
        if not 1990 <= self.year <= this_year + 1:
            raise UsageError(f"--year {self.year} is out of range; use a year from 1990 to {this_year + 1}")
        if self.contact is not None:
            check_contact(self.contact)
        if self.overrides is not None and not self.overrides.is_file():
            raise UsageError(f"{self.overrides}: overrides file not found")
        if self.model is not None and not Path(self.model).exists():
            raise UsageError(f"{self.model}: model artefact not found")

    @property
    def output_dir(self) -> Path:
        return self.out_dir if self.out_dir is not None else Path("outputs") / str(self.year)

    @property
    def crawl_overrides(self) -> dict[str, Any]:
        """The [crawl] overrides, with the run's model and the operator's contact in the User-Agent."""
        crawl = {**self.crawl, **({"model": str(self.model)} if self.model is not None else {})}
        if not self.contact:
            return crawl
        from crawler.config import DEFAULT_USER_AGENT, PREFIX

        base = crawl.get("user_agent") or os.environ.get(PREFIX + "USER_AGENT") or DEFAULT_USER_AGENT
        return {**crawl, "user_agent": user_agent_with_contact(str(base), self.contact)}


# An e-mail address or a web address: something a municipal webmaster can write to.
_REACHABLE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+|https?://\S+")


def check_contact(contact: str) -> str:
    """The operator's contact, checked: reachable (e-mail or URL), one line, short enough for a header."""
    if any(ord(c) < 32 or ord(c) == 127 for c in contact):
        raise UsageError("contact must be one line without control characters")
    if len(contact) > 200:
        raise UsageError(f"contact is {len(contact)} characters long; at most 200 fit a User-Agent")
    if not _REACHABLE.search(contact):
        raise UsageError(f"contact {contact!r} names no e-mail address or http(s) URL; webmasters must be "
                         "able to reach the operator")
    return contact


def user_agent_with_contact(user_agent: str, contact: str) -> str:
    """``kommunprogram/0.1.0 (+URL; ...; operator: CONTACT)``: the contact inside the comment, if any."""
    contact = check_contact(contact).replace("(", "[").replace(")", "]")  # a comment cannot nest unbalanced
    if user_agent.endswith(")"):
        return f"{user_agent[:-1]}; operator: {contact})"
    return f"{user_agent} (operator: {contact})"


def ensure_writable_dir(path: Path, what: str = "--out") -> Path:
    """Create ``path`` if needed and prove a file can be written there, before any long work starts."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-check-"):
            pass
    except FileExistsError:
        raise UsageError(f"{what} {path}: exists and is not a folder") from None
    except OSError as exc:
        raise UsageError(f"{what} {path}: cannot write there ({exc.strerror or exc})") from None
    return path


def read_config_file(path: Path | None) -> dict[str, Any]:
    """Read an optional TOML config file ([crawl] and [run] tables)."""
    if path is None:
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise UsageError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"crawl", "run"}
    if unknown:
        raise UsageError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}; allowed: crawl, run")
    return data
