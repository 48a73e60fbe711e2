"""Year over year: what changed per municipality since the previous inventory, and the alert list.

A programme's identity across runs is its content hash, else its title and period, so a programme
that moved to a new URL is "moved", not "disappeared" plus "new". Rules: ``docs/outputs.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from publish.stats import as_boolean

# Values of the ``change`` column, in the order the report lists them.
CHANGES: Mapping[str, str] = MappingProxyType(
    {
        "disappeared": "Programmet hittades inte längre",
        "expired": "Programmet har gått ut",
        "new": "Nytt gällande program",
        "revised": "Reviderat program (ny titel eller period)",
        "moved": "Samma program på ny adress",
        "unchanged": "Oförändrat",
        "absent": "Inget gällande program, varken förra gången eller nu",
    }
)
CHANGE_COLUMNS = (
    "code", "name", "county", "change", "note", "previous_status", "current_status", "previous_in_force",
    "current_in_force", "previous_title", "current_title", "previous_url", "current_url", "previous_sha256",
    "current_sha256", "previous_period", "current_period", "previous_year", "current_year",
)  # fmt: skip
ALERT_COLUMNS = ("code", "name", "county", "previous_title", "previous_url", "previous_year", "current_status", "note")

_SIDE_COLUMNS = ("status", "in_force", "program_title", "program_url", "sha256", "valid_from", "valid_to")


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _normalised_title(title: Any) -> str:
    if not isinstance(title, str):
        return ""
    return re.sub(r"\s+", " ", title).strip().casefold()


def _period(valid_from: Any, valid_to: Any) -> str:
    def year(value: Any) -> str:
        return "" if pd.isna(value) else str(int(value))

    text = f"{year(valid_from)}–{year(valid_to)}"
    return "" if text == "–" else text


def _side(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    columns = {c: frame[c] if c in frame.columns else pd.Series(pd.NA, index=frame.index) for c in _SIDE_COLUMNS}
    year = frame["inventory_year"] if "inventory_year" in frame.columns else frame.get("year")
    side = pd.DataFrame(
        {
            "code": frame["code"].astype("str"),
            f"{prefix}_status": columns["status"].astype("object"),
            f"{prefix}_in_force": as_boolean(columns["in_force"]),
            f"{prefix}_title": columns["program_title"].astype("object"),
            f"{prefix}_url": columns["program_url"].astype("object"),
            f"{prefix}_sha256": columns["sha256"].astype("object"),
            f"{prefix}_period": [
                _period(a, b) for a, b in zip(columns["valid_from"], columns["valid_to"], strict=True)
            ],
            f"{prefix}_year": (year if year is not None else pd.Series(pd.NA, index=frame.index)).astype("Int64"),
        }
    )
    return side.drop_duplicates("code")


def _classify(row: dict[str, Any]) -> tuple[str, str]:
    was = row["previous_in_force"] is True
    now = row["current_in_force"] is True
    had_document = isinstance(row["current_sha256"], str) or isinstance(row["current_url"], str)
    if not was and not now:
        return "absent", ""
    if not was and now:
        return "new", ""
    if was and not now:
        if had_document and row["current_status"] in ("program_found", "expired_only"):
            return "expired", ""
        status = row["current_status"] if isinstance(row["current_status"], str) else "saknas i denna inventering"
        return "disappeared", f"status nu: {status}"
    same_hash = isinstance(row["previous_sha256"], str) and row["previous_sha256"] == row["current_sha256"]
    same_programme = same_hash or (
        _normalised_title(row["previous_title"]) != ""
        and _normalised_title(row["previous_title"]) == _normalised_title(row["current_title"])
        and row["previous_period"] == row["current_period"]
    )
    same_url = isinstance(row["previous_url"], str) and row["previous_url"] == row["current_url"]
    if same_programme and not same_url:
        return "moved", "samma innehåll" if same_hash else "samma titel och period, ny fil"
    if same_programme:
        return "unchanged", "" if same_hash else "samma titel och period, ny fil"
    return "revised", ""


def compare_inventories(previous: pd.DataFrame | None, current: pd.DataFrame) -> pd.DataFrame:
    """One row per municipality of ``current``: ``change`` (see ``CHANGES``) with both sides' programme.

    ``previous=None`` (a first inventory) compares against nothing, so programmes in force are "new".
    Municipalities only in ``previous`` are out of scope now and left out.
    """
    now = _side(current, "current")
    if previous is None:
        previous = current.iloc[0:0]
    before = _side(previous, "previous")
    merged = (
        current[["code"]]
        .astype("str")
        .assign(
            name=current["name"].astype("object") if "name" in current.columns else pd.NA,
            county=current["county"].astype("object") if "county" in current.columns else pd.NA,
        )
    )
    merged = merged.merge(now, on="code", how="left").merge(before, on="code", how="left")
    records = merged.astype("object").to_dict("records")
    decided = [_classify({k: None if _missing(v) else v for k, v in r.items()}) for r in records]
    result = merged.assign(change=[c for c, _ in decided], note=[n for _, n in decided])
    return result[list(CHANGE_COLUMNS)].reset_index(drop=True)


def alerts(changes: pd.DataFrame) -> pd.DataFrame:
    """Municipalities that had a programme in force last time and now have none found (``disappeared``)."""
    chosen = changes[changes["change"] == "disappeared"]
    return chosen[list(ALERT_COLUMNS)].reset_index(drop=True)
