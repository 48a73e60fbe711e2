"""What every crawl benchmark does at the end: the headline JSON, its ``_detail`` companion, a printout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_results(out: Path, result: dict[str, Any], detail: dict[str, Any]) -> None:
    """``out`` gets the figures an issue asks for, ``<stem>_detail.json`` beside it everything behind them."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    out.with_name(out.stem + "_detail.json").write_text(json.dumps(detail, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
