"""The metrics of ``make bench-real``: an inventory (the pipeline's or the keyword baseline's) against the
truth of a real-text simulated web. Pure functions on frames and the truth dict, so tests can feed them
tiny hand-made inputs; ``bench/bench_real.py`` wires them to a run. What each figure means is in
docs/benchmarks.md.
"""

from __future__ import annotations

import math
import re
import statistics
from typing import Any

import pandas as pd
from w3lib.url import canonicalize_url

from base.vocabulary import TAGS
from publish.stats import apply_year, as_boolean, summarise

LABELS = ("program_type", *TAGS, "regional_category", "valid_from", "valid_to")
# summary.csv figures left out of the headline deviation: the review queue has no truth (the truth
# inventory needs no review), and a plain count has no percentage
NOT_IN_HEADLINE = ("needs_review",)


def url_key(url: str) -> str:
    """A URL as compared with the truth: canonical, no session id, no trailing slash."""
    url = re.sub(r";jsessionid=[^?#/]*", "", str(url), flags=re.IGNORECASE)
    return canonicalize_url(url, keep_fragments=False).rstrip("/")


def _in_force(site: dict[str, Any]) -> list[dict[str, Any]]:
    """The programmes a ``program_found`` row may publish: in force, or adopted and not yet started."""
    current = [p for p in site["programmes"] if p["status"] == "current"]
    return current or [p for p in site["programmes"] if p["status"] == "future"]


def _main_programme(site: dict[str, Any], status: str) -> dict[str, Any] | None:
    """The programme a truth row describes: of those in force (program_found; else the one not yet started)
    or ended (expired_only), the newest, then the one with most documents."""
    if status == "program_found":
        pool = _in_force(site)
    else:
        pool = [p for p in site["programmes"] if status == "expired_only" and p["status"] == "expired"]
    if not pool:
        return None
    return max(pool, key=lambda p: (p["valid_from"] or 0, p["valid_to"] or 0, len(p["urls"])))


def truth_inventory(truth: dict[str, Any], *, ocr: bool = True) -> pd.DataFrame:
    """The truth as an inventory frame with the columns ``publish.stats`` reads (one row per site)."""
    year = int(truth["inventory_year"])
    rows = []
    for code, site in sorted(truth["sites"].items()):
        status = site["expected_status"] if ocr else site.get("expected_status_without_ocr", site["expected_status"])
        prog = _main_programme(site, status)
        traits = prog["traits"] if prog else {}
        rows.append({
            "code": code,
            "name": site["name"],
            "status": status,
            "program_url": prog["urls"][0] if prog and prog["urls"] else None,
            "program_type": traits.get("program_type"),
            "valid_from": prog["valid_from"] if prog else None,
            "valid_to": prog["valid_to"] if prog else None,
            **{t: (bool(traits.get(t)) if prog else None) for t in TAGS},
            "regional_category": prog.get("regional_category") if prog else None,
            "extended": False,
            "needs_review": False,
            "year": year,
        })
    frame = pd.DataFrame(rows)
    return frame.astype({"valid_from": "Int64", "valid_to": "Int64", "year": "Int64"})


def _bool(value: Any) -> bool | None:
    out = as_boolean(pd.Series([value])).iloc[0]
    return None if out is pd.NA or (isinstance(out, float) and math.isnan(out)) else bool(out)


def _year(value: Any) -> int | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    return int(float(value))


def _text(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    return str(value)


def label_values(row: dict[str, Any]) -> dict[str, Any]:
    """The labels of an inventory row, normalised (booleans, integer years, None for unknown)."""
    out: dict[str, Any] = {"program_type": _text(row.get("program_type")),
                           "regional_category": _text(row.get("regional_category"))}
    out |= {t: _bool(row.get(t)) for t in TAGS}
    out |= {y: _year(row.get(y)) for y in ("valid_from", "valid_to")}
    return out


def score_municipalities(inventory: pd.DataFrame, truth: dict[str, Any], *, ocr: bool = True) -> pd.DataFrame:
    """One row per truth site: the published status and document against the truth, and each label.

    ``inventory`` needs ``code``, ``status``, ``program_url``, the label columns, and optionally
    ``needs_review`` and ``requests``. Sites missing from it count as status ``error``.
    """
    by_code = {str(r["code"]).zfill(4): r for r in inventory.to_dict("records")}
    rows = []
    for code, site in sorted(truth["sites"].items()):
        t_status = site["expected_status"] if ocr else site.get("expected_status_without_ocr", site["expected_status"])
        row = by_code.get(code, {"status": "error"})
        status = str(row.get("status"))
        url = _text(row.get("program_url"))
        published = status == "program_found" and url is not None
        key = url_key(url) if url else None
        current = [p for p in _in_force(site) if t_status == "program_found"]
        match = next((p for p in current if key in {url_key(u) for u in p["urls"]}), None)
        has = t_status == "program_found"
        found = bool(has and published and match is not None)
        # Every programme the row may publish is labelled ambiguous (an announcement, a sub-page, a stub):
        # recall is reported with and without these, as the held-out scores are.
        ambiguous = bool(has and current and all(p.get("ambiguous") for p in current))
        # Any labelled programme of the site (in force or ended) is ambiguous: its true status is arguable.
        arguable = any(p.get("ambiguous") for p in site["programmes"])
        out: dict[str, Any] = {
            "code": code,
            "name": site["name"],
            "truth_status": t_status,
            "status": status,
            "status_ok": status == t_status,
            "has_programme": has,
            "ambiguous_programme": ambiguous,
            "arguable_status": arguable,
            "published": published,
            "program_url": url,
            "found": found,
            "false_programme": bool(published and match is None),
            "needs_review": bool(_bool(row.get("needs_review"))),
            "requests": _year(row.get("requests")),
        }
        wrong_labels: list[str] = []
        if found and match is not None:
            got = label_values(row)
            want = {"program_type": match["traits"].get("program_type"),
                    "regional_category": match.get("regional_category"),
                    **{t: bool(match["traits"].get(t)) for t in TAGS},
                    "valid_from": match["valid_from"], "valid_to": match["valid_to"]}
            for label in LABELS:
                ok = got[label] == want[label]
                out[f"{label}_ok"] = ok
                if not ok:
                    wrong_labels.append(label)
        else:
            out |= {f"{label}_ok": None for label in LABELS}
        out["wrong_labels"] = ",".join(wrong_labels)
        out["wrong"] = bool(not out["status_ok"] or (has and not found) or out["false_programme"] or wrong_labels)
        rows.append(out)
    return pd.DataFrame(rows)


def _share(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def summarise_scores(scores: pd.DataFrame) -> dict[str, Any]:
    """The totals of ``score_municipalities``: recall, false programmes, status and label accuracy, review."""
    has = scores[scores["has_programme"]]
    found = scores[scores["found"]]
    published = scores[scores["published"]]
    wrong = scores[scores["wrong"]]
    plain = scores[~scores["arguable_status"].astype(bool)]
    has_plain = has[~has["ambiguous_programme"].astype(bool)]
    requests = [int(r) for r in scores["requests"] if r is not None and not pd.isna(r)]
    return {
        "municipalities": len(scores),
        "with_programme": len(has),
        "programme_found": int(found.shape[0]),
        "recall": _share(int(has["found"].sum()), len(has)),
        "with_unambiguous_programme": len(has_plain),
        "recall_unambiguous": _share(int(has_plain["found"].sum()), len(has_plain)),
        "published": len(published),
        "false_programmes": int(scores["false_programme"].sum()),
        "false_programme_share_of_published": _share(int(scores["false_programme"].sum()), len(published)),
        "false_programme_share_of_municipalities": _share(int(scores["false_programme"].sum()), len(scores)),
        "status_accuracy": _share(int(scores["status_ok"].sum()), len(scores)),
        "status_accuracy_unambiguous": _share(int(plain["status_ok"].sum()), len(plain)),
        "label_accuracy_on_found": {
            label: _share(int(found[f"{label}_ok"].astype(bool).sum()), len(found)) for label in LABELS
        },
        "needs_review_share": _share(int(scores["needs_review"].sum()), len(scores)),
        "wrong_rows": len(wrong),
        "wrong_rows_caught_by_review": _share(int(wrong["needs_review"].sum()), len(wrong)),
        "requests": {"median": statistics.median(requests) if requests else None, "total": sum(requests)},
    }


def summary_deviation(published: pd.DataFrame, truth_inventory_frame: pd.DataFrame, year: int) -> dict[str, Any]:
    """Each figure of a published summary.csv against the same figure of the truth inventory counted by
    ``publish.stats`` (``apply_year`` then ``summarise``): percentage points, machine minus truth."""
    truth_summary = summarise(apply_year(truth_inventory_frame, year)).set_index("metric")
    figures: dict[str, Any] = {}
    for rec in published.to_dict("records"):
        metric = str(rec["metric"])
        if metric not in truth_summary.index:
            continue
        got, want = rec.get("percent"), truth_summary.loc[metric, "percent"]
        got_f = None if got is None or pd.isna(got) or got == "" else float(got)
        want_f = None if want is None or pd.isna(want) else float(want)
        figures[metric] = {
            "published": got_f,
            "truth": want_f,
            "deviation_pp": round(got_f - want_f, 1) if got_f is not None and want_f is not None else None,
            "count": _year(rec.get("count")),
            "truth_count": _year(truth_summary.loc[metric, "count"]),
        }
    devs = [abs(f["deviation_pp"]) for m, f in figures.items()
            if f["deviation_pp"] is not None and m not in NOT_IN_HEADLINE]
    return {
        "figures": figures,
        "mean_abs_deviation_pp": round(statistics.fmean(devs), 2) if devs else None,
        "max_abs_deviation_pp": max(devs) if devs else None,
        "within_5pp": _share(sum(1 for d in devs if d <= 5), len(devs)),
    }


def machine_summary(inventory: pd.DataFrame, year: int) -> pd.DataFrame:
    """summary.csv for an inventory that has none of its own (the keyword baseline), by the same functions."""
    return summarise(apply_year(inventory, year))
