"""report.html: a self-contained Swedish report (no external files, charts as embedded PNG).

Every value from the inventory is escaped; links are only made for http(s) URLs, because titles and
URLs come from the open web.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
from matplotlib.figure import Figure

from inventory.changes import CHANGES, alerts
from inventory.stats import STATUSES, headline_sentences

_STATUS_SV = {s.name: s.label_sv for s in STATUSES}
_TYPE_SV = {
    "naringsliv": "näringslivsprogram/-strategi",
    "tillvaxt": "tillväxtprogram/-strategi",
    "annat": "annat namn",
}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:70rem;margin:2rem auto;
padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.8rem}h2{margin-top:2.2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.8rem 0;font-size:.92rem}
th,td{border:1px solid #d0d0d0;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}
p.headline{font-size:1.1rem}figure{margin:1rem 0}img{max-width:100%}
.muted{color:#666;font-size:.9rem}
"""


def _text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    return escape(str(value), quote=True)


def _number(value: Any, decimals: int = 1) -> str:
    """Swedish number format: decimal comma; empty for unknown."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if decimals == 0:
        return str(int(value))
    return f"{float(value):.{decimals}f}".replace(".", ",")


def _link(url: Any, label: Any) -> str:
    text = _text(label) or _text(url)
    if isinstance(url, str) and urlsplit(url.strip()).scheme.lower() in ("http", "https"):
        return f'<a href="{escape(url.strip(), quote=True)}" rel="noopener noreferrer">{text}</a>'
    return text


def _table(
    table_id: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    numeric: Sequence[int] = (),
    row_keys: Sequence[str] | None = None,
) -> str:
    """Cells must already be escaped. ``row_keys`` become ``data-key`` attributes (ties rows to the CSVs)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for index, row in enumerate(rows):
        cells = "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row))
        key = f' data-key="{escape(str(row_keys[index]), quote=True)}"' if row_keys is not None else ""
        body.append(f"<tr{key}>{cells}</tr>")
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure_html(figure: Figure, alt: str, caption: str) -> str:
    return (
        f'<figure><img alt="{escape(alt, quote=True)}" src="data:image/png;base64,{_png(figure)}">'
        f'<figcaption class="muted">{escape(caption)}</figcaption></figure>'
    )


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
    parts = [
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Kommunernas närings- och tillväxtprogram {int(year)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Kommunernas närings&shy;livs- och tillväxtprogram {int(year)}</h1>",
        '<section id="headline">',
        *(f'<p class="headline">{escape(s)}</p>' for s in headline_sentences(summary, int(year))),
        "</section>",
    ]

    parts.append("<h2>Sammanfattning</h2>")
    parts.append(
        '<p class="muted">Andelar i procent med 95 % konfidensintervall (Wilson). Nämnaren står i '
        "tabellen: alla kommuner, de nådda kommunerna eller kommunerna med gällande program.</p>"
    )
    summary_rows = [
        (
            _text(r["label"]),
            _number(r["count"], 0),
            _number(r["denominator"], 0),
            _number(r["percent"]),
            _number(r["ci_low"]),
            _number(r["ci_high"]),
        )
        for r in summary.to_dict("records")
    ]
    parts.append(
        _table(
            "summary",
            ["Mått", "Antal", "Nämnare", "Procent", "KI nedre", "KI övre"],
            summary_rows,
            numeric=(1, 2, 3, 4, 5),
            row_keys=[str(m) for m in summary["metric"]],
        )
    )

    parts.append("<h2>Diagram</h2>")
    for title, metrics in _SUMMARY_CHART_METRICS:
        parts.append(
            _figure_html(
                _summary_chart(summary, metrics, title), title, f"{title}: andel av kommunerna med gällande program."
            )
        )
    status_metrics = [f"status_{s.name}" for s in STATUSES]
    parts.append(
        _figure_html(
            _summary_chart(summary, status_metrics, "Utfall per kommun"),
            "Utfall per kommun",
            "Utfall per kommun: andel av alla kommuner i inventeringen.",
        )
    )

    counties = _county_rows(by_county)
    parts.append("<h2>Per län</h2>")
    if not counties.empty:
        parts.append(
            _figure_html(
                _bar_chart(
                    [
                        f"{c} ({_number(n, 0)})"
                        for c, n in zip(counties["county"], counties["municipalities"], strict=True)
                    ],
                    [_float(v) for v in counties["percent"]],
                    [_float(v) for v in counties["ci_low"]],
                    [_float(v) for v in counties["ci_high"]],
                    "Andel kommuner med gällande program per län",
                ),
                "Andel kommuner med gällande program per län",
                "Andel av länets kommuner med gällande program.",
            )
        )
    parts.append(
        _table(
            "county",
            ["Län", "Kommuner", "Nådda", "Med gällande program", "Procent", "KI nedre", "KI övre"],
            [
                (
                    _text(r["county"]),
                    _number(r["municipalities"], 0),
                    _number(r["reached"], 0),
                    _number(r["in_force"], 0),
                    _number(r["percent"]),
                    _number(r["ci_low"]),
                    _number(r["ci_high"]),
                )
                for r in counties.to_dict("records")
            ],
            numeric=(1, 2, 3, 4, 5, 6),
            row_keys=[str(c) for c in counties["county_code"]],
        )
    )

    alert_list = alerts(changes)
    parts.append("<h2>Larm: program som inte längre hittas</h2>")
    parts.append(
        '<p class="muted">Kommuner som hade ett gällande program förra gången men där inget hittades nu. '
        "Kontrollera dem för hand: webbplatsen kan ha ändrats.</p>"
    )
    parts.append(
        _table(
            "alerts",
            ["Kommun", "Län", "Förra programmet", "Förra året", "Status nu", "Kommentar"],
            [
                (
                    _text(r["name"]),
                    _text(r["county"]),
                    _link(r["previous_url"], r["previous_title"]),
                    _number(r["previous_year"], 0),
                    _label(_STATUS_SV, r["current_status"]),
                    _text(r["note"]),
                )
                for r in alert_list.to_dict("records")
            ],
        )
    )

    parts.append("<h2>Förändringar sedan förra inventeringen</h2>")
    counts = changes["change"].value_counts()
    parts.append(
        _table(
            "change-counts",
            ["Förändring", "Beskrivning", "Kommuner"],
            [(escape(c), escape(label), str(int(counts.get(c, 0)))) for c, label in CHANGES.items()],
            numeric=(2,),
        )
    )
    listed = changes[~changes["change"].isin(["unchanged", "absent"])]
    parts.append(
        _table(
            "changes",
            ["Kommun", "Förändring", "Förra programmet", "Nuvarande program", "Kommentar"],
            [
                (
                    _text(r["name"]),
                    _label(CHANGES, r["change"]),
                    _link(r["previous_url"], r["previous_title"]),
                    _link(r["current_url"], r["current_title"]),
                    _text(r["note"]),
                )
                for r in listed.to_dict("records")
            ],
        )
    )

    parts.append("<h2>Länkar till programmen</h2>")
    context = inventory[
        [c for c in ("code", "county", "program_type", "valid_from", "valid_to", "in_force") if c in inventory.columns]
    ].astype({"code": "str"})
    link_rows = links.astype({"code": "str"}).merge(context, on="code", how="left")
    parts.append(
        _table(
            "links",
            ["Kommun", "Län", "Program", "Typ", "Period", "Gällande", "Hittat via", "Relaterade länkar"],
            [
                (
                    _text(r.get("name")),
                    _text(r.get("county")),
                    _link(r.get("program_url"), r.get("program_title")),
                    _label(_TYPE_SV, r.get("program_type")),
                    _text(_period(r.get("valid_from"), r.get("valid_to"))),
                    _text(_bool(r.get("in_force"))),
                    _text(r.get("found_via")),
                    _related(r.get("related_urls")),
                )
                for r in link_rows.to_dict("records")
            ],
        )
    )

    parts.append("<h2>Metod</h2>")
    parts.append(
        "<p>Kommunernas webbplatser genomsöktes automatiskt och de hittade dokumenten klassificerades med en "
        "maskininlärningsmodell. Ett program räknas som gällande ett år när året ligger inom programmets angivna "
        "giltighetstid, eller när giltighetstiden har förlängts. Program som inte anger någon giltighetstid räknas "
        "som gällande det år då inventeringen hittade dem. Kommuner vars webbplats inte kunde genomsökas räknas "
        "inte som nådda. Andelarna redovisas med 95 % konfidensintervall enligt Wilson.</p>"
    )
    parts.append("<h2>Statusvärden</h2>")
    parts.append(
        _table(
            "statuses",
            ["Status", "Betydelse", "Nådd"],
            [(escape(s.name), escape(s.label_sv), "ja" if s.reached else "nej") for s in STATUSES],
        )
    )
    parts.append(
        '<p class="muted">Skapad av kommunprogram. Metoden, kolumnerna och reglerna för när ett program '
        "räknas som gällande beskrivs i docs/outputs.md.</p></body></html>"
    )
    return "\n".join(parts)


def _label(labels: Mapping[str, str], value: Any) -> str:
    """The Swedish label for a machine value (the value itself if unlisted), escaped."""
    return _text(labels.get(value, value) if isinstance(value, str) else value)


def _bool(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    return bool(value)


def _period(valid_from: Any, valid_to: Any) -> str:
    def year(value: Any) -> str:
        return "" if value is None or value is pd.NA or pd.isna(value) else str(int(value))

    text = f"{year(valid_from)}–{year(valid_to)}"
    return "" if text == "–" else text


def _related(value: Any) -> str:
    if isinstance(value, list | tuple):
        urls = [str(v) for v in value]
    elif isinstance(value, str):
        urls = [u.strip() for u in value.split(" ; ") if u.strip()]
    else:
        urls = []
    return "<br>".join(_link(u, u) for u in urls)
