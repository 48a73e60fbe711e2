"""Monitoring: what in a finished run needs a human, compared with the run before it.

A scheduled run that nobody watches must say when something looks wrong rather than publish it as a
result (lessons.md: "a municipality that had a programme last year and yields none this year is an
alert, not a result"). The checks are pure functions over the inventory frames
(``pipeline.frames_from_results`` after ``stats.apply_year``) and a few counts; ``flags_for_run`` is
the one adapter that reads them from the store. Each check, its threshold and its meaning:

| kind                   | raised when                                                                 |
|------------------------|-----------------------------------------------------------------------------|
| programme_lost         | a programme in force last run, none found now (``changes.alerts``)          |
| became_unreachable     | a site reached last run is unreachable / blocked / in error now             |
| share_found_dropped    | the share with ``program_found`` fell by more than ``share_drop_points``    |
| extraction_failures    | more than ``extraction_failure_share`` of the run's documents unreadable    |
| not_crawled            | a municipality of the input has no crawl outcome (e.g. workers stopped)     |
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pandas as pd

from base.errors import UsageError
from base.settings import MonitorSettings
from extract.reader import EXTRACTOR_VERSION
from inventory.pipeline import frames_from_results
from publish import stats
from publish.changes import alerts, compare_inventories

if TYPE_CHECKING:
    from base.store import Store

# Statuses that mean the crawl could not judge the site, with the words the flag uses.
UNREACHABLE: Mapping[str, str] = MappingProxyType({
    "site_unreachable": "could not be reached",
    "blocked_by_server": "refused us (403/429)",
    "blocked_by_robots": "is closed to us by robots.txt",
    "error": "failed with an internal error",
})
FOUND = "program_found"
KINDS = ("programme_lost", "became_unreachable", "share_found_dropped", "extraction_failures", "not_crawled")


@dataclass(frozen=True)
class Flag:
    kind: str
    message: str
    code: str | None = None
    name: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "code": self.code, "name": self.name, "message": self.message,
                "detail": dict(self.detail)}


def _text(value: Any) -> str | None:
    return None if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) else str(value)


# -- the checks ---------------------------------------------------------------------------------------
def programmes_lost(current: pd.DataFrame, previous: pd.DataFrame | None) -> list[Flag]:
    """Programmes in force last run with none found now: the change report's own alert list."""

    if previous is None or previous.empty:
        return []
    lost = alerts(compare_inventories(previous, current))
    return [Flag("programme_lost",
                 f"{r['name']} had a programme last run ({_text(r['previous_title']) or 'untitled'}) and now has "
                 f"none ({_text(r['current_status']) or 'not in this run'})",
                 code=str(r["code"]), name=_text(r["name"]),
                 detail={"previous_url": _text(r["previous_url"]), "current_status": _text(r["current_status"])})
            for r in lost.to_dict("records")]


def became_unreachable(current: pd.DataFrame, previous: pd.DataFrame | None) -> list[Flag]:
    """Sites reached last run that could not be judged now (the usual first sign of a changed site)."""
    if previous is None or previous.empty:
        return []
    before = dict(zip(previous["code"].astype(str), previous["status"].astype(str), strict=True))
    flags = []
    for row in current.to_dict("records"):
        code, status = str(row["code"]), str(row["status"])
        was = before.get(code)
        if status in UNREACHABLE and was is not None and was not in UNREACHABLE:
            flags.append(Flag("became_unreachable",
                              f"{row.get('name') or code} {UNREACHABLE[status]} (last run: {was})",
                              code=code, name=_text(row.get("name")),
                              detail={"status": status, "previous_status": was, "reason": _text(row.get("reason"))}))
    return flags


def share_found_dropped(current: pd.DataFrame, previous: pd.DataFrame | None,
                        settings: MonitorSettings = MonitorSettings()) -> list[Flag]:
    """The share with a programme found fell by more than the threshold, on the municipalities in both runs."""
    if previous is None or previous.empty:
        return []
    common = sorted(set(current["code"].astype(str)) & set(previous["code"].astype(str)))
    if not common:
        return []

    def found(frame: pd.DataFrame) -> int:
        in_both = frame[frame["code"].astype(str).isin(common)]
        return int((in_both["status"].astype(str) == FOUND).sum())

    now, before, n = found(current), found(previous), len(common)
    drop = 100.0 * (before - now) / n
    if drop <= settings.share_drop_points:
        return []
    return [Flag("share_found_dropped",
                 f"programmes found fell from {before} to {now} of {n} municipalities "
                 f"({100.0 * before / n:.1f} % -> {100.0 * now / n:.1f} %, -{drop:.1f} points; "
                 f"threshold {settings.share_drop_points:g})",
                 detail={"previous": before, "current": now, "municipalities": n, "drop_points": round(drop, 2)})]


def extraction_failures(failed: int, total: int, by_code: Mapping[str, int] | None = None,
                        settings: MonitorSettings = MonitorSettings()) -> list[Flag]:
    """Too many of the run's documents could not be read (a broken extractor or a changed format)."""
    if failed < 0 or total < failed:
        raise ValueError(f"extraction counts failed={failed}, total={total} are inconsistent")
    if total == 0 or failed < settings.min_extraction_failures or failed / total <= settings.extraction_failure_share:
        return []
    top = ", ".join(f"{n} {code}" for code, n in sorted((by_code or {}).items(), key=lambda kv: (-kv[1], kv[0]))[:3])
    return [Flag("extraction_failures",
                 f"{failed} of {total} documents could not be read ({100.0 * failed / total:.0f} %, threshold "
                 f"{100.0 * settings.extraction_failure_share:.0f} %){': ' + top if top else ''}",
                 detail={"failed": failed, "total": total, "by_code": dict(by_code or {})})]


def not_crawled(expected_codes: Iterable[str], crawled_codes: Iterable[str],
                names: Mapping[str, str] | None = None) -> list[Flag]:
    """Municipalities of the input without a crawl outcome: the run is incomplete."""
    missing = sorted(set(expected_codes) - set(crawled_codes))
    return [Flag("not_crawled", f"{(names or {}).get(code, code)} has no crawl outcome in this run", code=code,
                 name=(names or {}).get(code)) for code in missing]


def flags(current: pd.DataFrame, previous: pd.DataFrame | None, *, extraction_failed: int = 0,
          extraction_total: int = 0, failure_codes: Mapping[str, int] | None = None,
          expected_codes: Sequence[str] | None = None, crawled_codes: Sequence[str] | None = None,
          settings: MonitorSettings = MonitorSettings()) -> list[Flag]:
    """Every check, in the order of ``KINDS``."""
    out = [*programmes_lost(current, previous), *became_unreachable(current, previous),
           *share_found_dropped(current, previous, settings),
           *extraction_failures(extraction_failed, extraction_total, failure_codes, settings)]
    if expected_codes is not None:
        crawled = crawled_codes if crawled_codes is not None else current["code"].astype(str).tolist()
        names = dict(zip(current["code"].astype(str), current["name"].astype(str), strict=True))
        out.extend(not_crawled(expected_codes, crawled, names))
    return out


def summary_fragment(found: Sequence[Flag]) -> str:
    """For the one-line summary: '; 3 flags need a human (2 programme_lost, 1 became_unreachable)'."""
    if not found:
        return "; no flags"
    counts = {k: sum(1 for f in found if f.kind == k) for k in KINDS}
    parts = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    return f"; {len(found)} flag{'s' if len(found) != 1 else ''} need{'s' if len(found) == 1 else ''} a human ({parts})"


# -- the adapter: read the inputs from the store -----------------------------------------------------
def flags_for_run(store: Store, run_id: int, *, expected_codes: Sequence[str] | None = None,
                  settings: MonitorSettings = MonitorSettings()) -> list[Flag]:
    """The flags for a classified run, against the latest earlier run that has results."""

    run = store.run(run_id)
    if run is None:
        raise UsageError(f"no run {run_id} in the store")
    current = stats.apply_year(frames_from_results(store.results(run_id))[0], int(run["year"]))
    previous = None
    previous_id = store.latest_run(before=run_id, with_results=True)
    if previous_id is not None:
        previous_run = store.run(previous_id)
        assert previous_run is not None
        previous = stats.apply_year(frames_from_results(store.results(previous_id))[0], int(previous_run["year"]))
    failed, total = 0, 0
    by_code: dict[str, int] = {}
    for sha in sorted({c["sha256"] for c in store.candidates(run_id)}):
        extraction = store.extraction(sha, EXTRACTOR_VERSION)
        if extraction is None:
            continue
        total += 1
        if extraction["error_code"]:
            failed += 1
            by_code[extraction["error_code"]] = by_code.get(extraction["error_code"], 0) + 1
    # A municipality whose crawl started but never finished has no outcome either.
    crawled = [code for code, o in store.crawl_outcomes(run_id).items() if o.get("status")]
    return flags(current, previous, extraction_failed=failed, extraction_total=total, failure_codes=by_code,
                 expected_codes=expected_codes, crawled_codes=crawled, settings=settings)


__all__ = ["Flag", "MonitorSettings", "flags", "flags_for_run", "summary_fragment", "programmes_lost",
           "became_unreachable", "share_found_dropped", "extraction_failures", "not_crawled", "KINDS",
           "UNREACHABLE"]
