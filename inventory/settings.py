"""Run settings, read once from the command line (and an optional TOML file) and validated."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from inventory.errors import UsageError

DEFAULT_DB = "outputs/kommunprogram.sqlite"


@dataclass(frozen=True)
class RunSettings:
    year: int
    db_url: str = DEFAULT_DB
    out_dir: Path | None = None  # default outputs/<year>/
    municipalities_csv: Path | None = None  # default: the bundled list of 290
    allow_private_addresses: bool = False
    overrides: Path | None = None
    review_threshold: float = 0.75
    crawl: dict[str, Any] = field(default_factory=dict)  # CrawlConfig overrides from --config [crawl]

    def __post_init__(self) -> None:
        this_year = date.today().year
        if not 1990 <= self.year <= this_year + 1:
            raise UsageError(f"--year {self.year} is out of range; use a year from 1990 to {this_year + 1}")
        if not 0.5 <= self.review_threshold <= 1.0:
            raise UsageError(f"review_threshold {self.review_threshold} must be between 0.5 and 1.0")
        if self.overrides is not None and not self.overrides.is_file():
            raise UsageError(f"{self.overrides}: overrides file not found")

    @property
    def output_dir(self) -> Path:
        return self.out_dir if self.out_dir is not None else Path("outputs") / str(self.year)


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
