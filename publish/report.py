"""report.html: a self-contained Swedish report (no external files, charts as embedded PNG).

The page is the Jinja2 template ``templates/report.html.j2``; this module computes what it shows. Autoescape
is on, so every value from the inventory is escaped; links are only made for http(s) URLs (the template's
``safe_url`` test), because titles and URLs come from the open web.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure

from base.vocabulary import STATUSES
from publish.changes import CHANGES, alerts
from publish.stats import headline_sentences, wilson_interval
from publish.swedish import STATUS_EXPLANATIONS, VALUE_LABELS, review_reasons_sv


def _number(value: Any, decimals: int = 1) -> str:
    """Swedish number format: decimal comma; empty for unknown."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if decimals == 0:
        return str(int(value))
    return f"{float(value):.{decimals}f}".replace(".", ",")


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _bar_chart(
    labels: Sequence[str], percent: Sequence[float], low: Sequence[float], high: Sequence[float], title: str
) -> Figure:
    """Horizontal bars of percentages with their 95 % intervals as error bars."""
    figure = Figure(figsize=(8, 0.45 * max(3, len(labels)) + 1))
    axes = figure.add_subplot()
    values = [0.0 if math.isnan(p) else p for p in percent]
    errors = [
        [max(0.0, p - lo) if not math.isnan(lo) else 0.0 for p, lo in zip(values, low, strict=True)],
        [max(0.0, hi - p) if not math.isnan(hi) else 0.0 for p, hi in zip(values, high, strict=True)],
    ]
    positions = range(len(labels))
    axes.barh(positions, values, xerr=errors, color="#3a6ea5", ecolor="#333333", capsize=3)
    axes.set_yticks(list(positions), labels=list(labels))
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("Procent (med 95 % konfidensintervall)")
    axes.set_title(title)
    return figure


def _float(value: Any) -> float:
    return math.nan if value is None or value is pd.NA or pd.isna(value) else float(value)


def _summary_chart(summary: pd.DataFrame, metrics: Sequence[str], title: str) -> Figure:
    rows = summary.set_index("metric").reindex(list(metrics)).dropna(subset=["label"])
    denominators = {int(n) for n in rows["denominator"] if not pd.isna(n)}
    if len(denominators) == 1:
        title = f"{title} (n = {denominators.pop()})"
    return _bar_chart(
        [str(v) for v in rows["label"]],
        [_float(v) for v in rows["percent"]],
        [_float(v) for v in rows["ci_low"]],
        [_float(v) for v in rows["ci_high"]],
        title,
    )


def _county_rows(by_county: pd.DataFrame) -> pd.DataFrame:
    """One row per county: municipalities, reached, in force (count, percent, interval)."""
    if by_county.empty:
        return pd.DataFrame(
            columns=["county_code", "county", "municipalities", "reached", "in_force", "percent", "ci_low", "ci_high"]
        )
    keyed = by_county.set_index(["county_code", "county", "metric"])
    counties = by_county[["county_code", "county"]].drop_duplicates()
    rows = []
    for code, name in counties.itertuples(index=False, name=None):
        in_force = keyed.loc[(code, name, "in_force")]
        rows.append(
            {
                "county_code": code,
                "county": name,
                "municipalities": keyed.loc[(code, name, "municipalities"), "count"],
                "reached": keyed.loc[(code, name, "reached"), "count"],
                "in_force": in_force["count"],
                "percent": in_force["percent"],
                "ci_low": in_force["ci_low"],
                "ci_high": in_force["ci_high"],
            }
        )
    return pd.DataFrame(rows)


_SUMMARY_CHART_METRICS = (
    ("Programmens namn", ("type_naringsliv", "type_tillvaxt", "type_annat", "type_unknown")),
    ("Regional koppling", ("regional_none", "regional_rus", "regional_intermunicipal", "regional_unknown")),
    ("Innehåll", ("action_plan", "sustainability", "business_collaboration", "annual_activities")),
)


@dataclass(frozen=True)
class Figure2017:
    """A headline figure of the 2017 manual inventory, as its report gives it."""

    metric: str  # the summary metric it compares with
    label: str
    percent: float
    count: int | None = None  # None when the report gives only a share
    denominator: int | None = None
    about: str | None = None  # the report's wording when the share is only approximate


# The 2017 manual inventory: programmes in 116 of 290 municipalities; by name 81 näringsliv, 11 tillväxt,
# 24 other; two thirds without a regional link, 10 % linked to the RUS, about 25 % to intermunicipal
# collaboration; about half with an action plan; about a quarter emphasising sustainability.
INVENTORY_2017: tuple[Figure2017, ...] = (
    Figure2017("in_force", "Kommuner med program", 100 * 116 / 290, 116, 290),
    Figure2017("type_naringsliv", "Näringslivsprogram/-strategi (av programmen)", 100 * 81 / 116, 81, 116),
    Figure2017("type_tillvaxt", "Tillväxtprogram/-strategi (av programmen)", 100 * 11 / 116, 11, 116),
    Figure2017("type_annat", "Program med annat namn (av programmen)", 100 * 24 / 116, 24, 116),
    Figure2017("regional_none", "Ingen regional koppling", 100 * 2 / 3, about="två tredjedelar"),
    Figure2017("regional_rus", "Kopplat till regional utvecklingsstrategi (RUS)", 10.0),
    Figure2017("regional_intermunicipal", "Kopplat till mellankommunal samverkan", 25.0, about="omkring 25 %"),
    Figure2017("action_plan", "Hänvisar till handlingsplan", 50.0, about="omkring hälften"),
    Figure2017("sustainability", "Betonar hållbarhet", 25.0, about="omkring en fjärdedel"),
)


def comparison_rows(summary: pd.DataFrame) -> list[dict[str, str]]:
    """This inventory's headline figures beside 2017's, each with its 95 % Wilson interval where a count
    is known; a 2017 share given only approximately says so instead."""
    by_metric = summary.set_index("metric")
    rows = []
    for then in INVENTORY_2017:
        now = by_metric.loc[then.metric] if then.metric in by_metric.index else None
        if now is not None and not pd.isna(now["denominator"]) and not pd.isna(now["percent"]):
            now_text = f"{_number(now['count'], 0)} av {_number(now['denominator'], 0)} ({_number(now['percent'])} %)"
            now_ci = f"{_number(now['ci_low'])}–{_number(now['ci_high'])} %"
        else:
            now_text, now_ci = "–", ""
        if then.count is not None and then.denominator is not None:
            low, high = wilson_interval(then.count, then.denominator)
            then_text = f"{then.count} av {then.denominator} ({_number(then.percent)} %)"
            then_ci = f"{_number(100 * low)}–{_number(100 * high)} %"
        elif then.about:
            then_text = f"{then.about} (ungefär {round(then.percent)} %)"
            then_ci = "ungefärlig uppgift, antal okänt"
        else:
            then_text, then_ci = f"{round(then.percent)} %", "antal okänt"
        rows.append({"metric": then.metric, "label": then.label, "now": now_text, "now_ci": now_ci,
                     "then": then_text, "then_ci": then_ci})
    return rows


def _safe_url(value: Any) -> bool:
    return isinstance(value, str) and urlsplit(value.strip()).scheme.lower() in ("http", "https")


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("publish", "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)
    env.tests["safe_url"] = _safe_url
    return env


def _text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    return str(value)


def _word(column: str, value: Any) -> str:
    """The Swedish word for a code (the code itself if unlisted)."""
    return _text(VALUE_LABELS[column].get(value, value) if isinstance(value, str) else value)


def _figure(figure: Figure, alt: str, caption: str) -> dict[str, str]:
    return {"png": _png(figure), "alt": alt, "caption": caption}


def _url(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _short_url(url: str) -> str:
    """A link text that fits a table cell: the file or last path segment, else the host."""
    parts = urlsplit(url.strip())
    segment = unquote(next((s for s in reversed(parts.path.split("/")) if s), ""))
    text = segment or parts.hostname or url
    return text if len(text) <= 40 else text[:37] + "..."


def without_programme(inventory: pd.DataFrame) -> list[dict[str, Any]]:
    """The municipalities without a programme (every status but program_found, so expired_only too), per
    status in the order of ``base.vocabulary.STATUSES``, by name."""
    groups = []
    for status in STATUSES:
        if status.name == "program_found":
            continue
        names = sorted(str(n) for n in inventory.loc[inventory["status"] == status.name, "name"])
        if names:
            groups.append({"status": status.name, "label": status.label_sv, "names": names})
    return groups


def render_report(
    *,
    year: int,
    summary: pd.DataFrame,
    by_county: pd.DataFrame,
    changes: pd.DataFrame,
    links: pd.DataFrame,
    inventory: pd.DataFrame,
) -> str:
    """The whole report as one HTML string (UTF-8, no external resources)."""
    figures = [_figure(_summary_chart(summary, metrics, title), title,
                       f"{title}: andel av kommunerna med gällande program.")
               for title, metrics in _SUMMARY_CHART_METRICS]
    figures.append(_figure(_summary_chart(summary, [f"status_{s.name}" for s in STATUSES], "Utfall per kommun"),
                           "Utfall per kommun", "Utfall per kommun: andel av alla kommuner i inventeringen."))
    counties = _county_rows(by_county)
    county_figure = None
    if not counties.empty:
        title = "Andel kommuner med gällande program per län"
        county_figure = _figure(_bar_chart(
            [f"{c} ({_number(n, 0)})" for c, n in zip(counties["county"], counties["municipalities"], strict=True)],
            [_float(v) for v in counties["percent"]], [_float(v) for v in counties["ci_low"]],
            [_float(v) for v in counties["ci_high"]], title), title, "Andel av länets kommuner med gällande program.")
    review = inventory[_flags(inventory)] if "needs_review" in inventory.columns else inventory.iloc[0:0]
    context = {
        "year": int(year),
        "headline": headline_sentences(summary, int(year)),
        "comparison": comparison_rows(summary),
        "summary": [{"metric": r["metric"], "label": _text(r["label"]), "count": _number(r["count"], 0),
                     "denominator": _number(r["denominator"], 0), "percent": _number(r["percent"]),
                     "ci_low": _number(r["ci_low"]), "ci_high": _number(r["ci_high"])}
                    for r in summary.to_dict("records")],
        "figures": figures,
        "county_figure": county_figure,
        "counties": [{"county_code": r["county_code"], "county": _text(r["county"]),
                      "municipalities": _number(r["municipalities"], 0), "reached": _number(r["reached"], 0),
                      "in_force": _number(r["in_force"], 0), "percent": _number(r["percent"]),
                      "ci_low": _number(r["ci_low"]), "ci_high": _number(r["ci_high"])}
                     for r in counties.to_dict("records")],
        "without_programme": without_programme(inventory),
        "review": [{"code": _text(r.get("code")), "name": _text(r.get("name")),
                    "status": _word("status", r.get("status")),
                    "url": _url(r.get("program_url")), "title": _text(r.get("program_title")),
                    "reasons": _text(review_reasons_sv(r.get("review_reasons")))}
                   for r in review.to_dict("records")],
        "alerts": [{"name": _text(r["name"]), "county": _text(r["county"]), "url": _url(r["previous_url"]),
                    "title": _text(r["previous_title"]), "year": _number(r["previous_year"], 0),
                    "status": _word("status", r["current_status"]), "note": _text(r["note"])}
                   for r in alerts(changes).to_dict("records")],
        "change_counts": [{"change": c, "label": label, "count": int(changes["change"].value_counts().get(c, 0))}
                          for c, label in CHANGES.items()],
        "changes": [{"name": _text(r["name"]), "change": _word("change", r["change"]),
                     "previous_url": _url(r["previous_url"]), "previous_title": _text(r["previous_title"]),
                     "current_url": _url(r["current_url"]), "current_title": _text(r["current_title"]),
                     "note": _text(r["note"])}
                    for r in changes[~changes["change"].isin(["unchanged", "absent"])].to_dict("records")],
        "links": _link_rows(links, inventory),
        "statuses": [{"name": s.name, "label_sv": s.label_sv, "explanation": STATUS_EXPLANATIONS[s.name],
                      "reached": s.reached} for s in STATUSES],
    }
    return _environment().get_template("report.html.j2").render(**context)


def _flags(inventory: pd.DataFrame) -> Any:
    return inventory["needs_review"].astype("boolean").fillna(False).to_numpy(dtype=bool)


def _link_rows(links: pd.DataFrame, inventory: pd.DataFrame) -> list[dict[str, Any]]:
    context = inventory[
        [c for c in ("code", "county", "program_type", "valid_from", "valid_to", "in_force") if c in inventory.columns]
    ].astype({"code": "str"})
    rows = links.astype({"code": "str"}).merge(context, on="code", how="left")
    return [{"name": _text(r.get("name")), "county": _text(r.get("county")), "url": _url(r.get("program_url")),
             "title": _text(r.get("program_title")), "type": _word("program_type", r.get("program_type")),
             "period": _period(r.get("valid_from"), r.get("valid_to")), "in_force": _text(_bool(r.get("in_force"))),
             "found_via": _word("found_via", r.get("found_via")),
             "related": [{"url": u, "label": _short_url(u) if _safe_url(u) else u}
                         for u in _related(r.get("related_urls"))]}
            for r in rows.to_dict("records")]


def _bool(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    return bool(value)


def _period(valid_from: Any, valid_to: Any) -> str:
    def year(value: Any) -> str:
        return "" if value is None or value is pd.NA or pd.isna(value) else str(int(value))

    text = f"{year(valid_from)}–{year(valid_to)}"
    return "" if text == "–" else text


def _related(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, str):
        return [u.strip() for u in value.split(" ; ") if u.strip()]
    return []
