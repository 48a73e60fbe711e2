"""The simulated web's text and tables, kept as TOML under ``simweb/data/`` and read once per process."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def table(name: str) -> dict[str, Any]:
    """``simweb/data/<name>.toml`` as a dict (lists keep the file's order, which seeded draws depend on)."""
    return tomllib.loads((files("simweb") / "data" / f"{name}.toml").read_text(encoding="utf-8"))
