"""Inventory statistics: pure DataFrame-in, DataFrame-out functions.

Every published percentage carries its numerator (``count``), its ``denominator`` and a 95 % Wilson
interval. The rules (who is "reached", when a programme is "in force" in a year) are tables below and
are documented in ``docs/outputs.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from base.inforce import IN_FORCE_VALUE, in_force_rule_names
from base.vocabulary import (
    COUNTED_TAGS,
    PROGRAM_TYPES,
    PROGRAMME_STATUSES,
    REACHED_STATUSES,
    REGIONAL_CATEGORIES,
    STATUS_NAMES,
    STATUSES,
)

# norm.ppf(0.975), the two-sided 95 % quantile (what statsmodels' proportion_confint uses).
Z95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for ``successes`` of ``n``, as proportions in [0, 1].

    ``n == 0`` gives ``(nan, nan)``: there is no proportion to bound, and the summary leaves the cells
    empty rather than pretending to a (0, 1) interval.
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"wilson_interval needs 0 <= successes <= n, got successes={successes}, n={n}")
    if not z > 0:
        raise ValueError(f"wilson_interval needs z > 0, got z={z}")
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # Exact bounds at the edges; floating point would otherwise give -1e-17 or 1.0000000000000002.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


# -- column access ---------------------------------------------------------------------------
_TRUE = frozenset({"true", "1", "yes", "ja", "sant", "t"})
_FALSE = frozenset({"false", "0", "no", "nej", "falskt", "f"})


def as_boolean(values: pd.Series) -> pd.Series:
    """A nullable boolean Series from booleans, 0/1 or "true"/"false" text (unknown stays NA)."""
    if isinstance(values.dtype, pd.BooleanDtype):
        return values
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")

    def one(value: Any) -> Any:
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return pd.NA
        if isinstance(value, bool | np.bool_):
            return bool(value)
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return pd.NA

    return pd.Series([one(v) for v in values], index=values.index, dtype="boolean")


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="object")


def _years(values: pd.Series) -> np.ndarray:
    """Float years with nan for unknown (accepts Int64, floats, text like "2019")."""
    return pd.to_numeric(values.astype("object"), errors="coerce").astype("float64").to_numpy()


def _true(values: pd.Series) -> np.ndarray:
    return as_boolean(values).fillna(False).to_numpy(dtype=bool)


def _overridden(frame: pd.DataFrame, field: str) -> np.ndarray:
    """Rows where a reviewer set ``field`` by hand (see publish.overrides); recomputation keeps them."""
    if "overridden_fields" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return np.array([isinstance(v, str) and field in v.split(",") for v in frame["overridden_fields"]], dtype=bool)


def regional_category_from_links(rus_link: pd.Series, intermunicipal_link: pd.Series) -> pd.Series:
    """``rus`` if linked to the RUS, else ``intermunicipal`` if linked to a collaboration, else ``none``;
    NA when a link is unknown and no known link decides it."""
    rus = as_boolean(rus_link)
    inter = as_boolean(intermunicipal_link)
    is_rus = rus.fillna(False).to_numpy(dtype=bool)
    is_inter = inter.fillna(False).to_numpy(dtype=bool)
    both_false = (rus == False).fillna(False).to_numpy(dtype=bool) & (inter == False).fillna(False).to_numpy(  # noqa: E712 - elementwise
        dtype=bool
    )
    out = np.select([is_rus, is_inter, both_false], ["rus", "intermunicipal", "none"], default="")
    return pd.Series(out, index=rus_link.index, dtype="object").replace("", pd.NA)


# -- in force in year Y (the rules: base.inforce) ---------------------------------------------


def _in_force_facts(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    status = _column(frame, "status").astype("object")
    start = _years(_column(frame, "valid_from"))
    adopted = _years(
        _column(frame, "adopted_date").astype("object").astype("string").str.extract(r"^\s*(\d{4})", expand=False)
    )
    return {
        "reached": status.isin(REACHED_STATUSES).to_numpy(dtype=bool),
        "programme": status.isin(PROGRAMME_STATUSES).to_numpy(dtype=bool),
        "expired_only": (status == "expired_only").to_numpy(dtype=bool),
        "start": np.where(np.isnan(start), adopted, start),
        "end": _years(_column(frame, "valid_to")),
        "extended": _true(_column(frame, "extended")),
        "seen": _years(_column(frame, "year")),
    }


def in_force_reasons(inventory: pd.DataFrame, year: int) -> pd.Series:
    """The name of the ``IN_FORCE_RULES`` entry (``base.inforce``) that decides each row."""
    names = in_force_rule_names(_in_force_facts(inventory), year)
    return pd.Series(names, index=inventory.index, dtype="object")


def apply_year(inventory: pd.DataFrame, year: int) -> pd.DataFrame:
    """The inventory with ``in_force`` recomputed for ``year`` (rules: ``IN_FORCE_RULES``).

    Rows where a reviewer overrode ``in_force`` keep the reviewer's value. Adds ``inventory_year``.
    """
    if not isinstance(year, int | np.integer) or not 1900 <= int(year) <= 2200:
        raise ValueError(f"apply_year needs a calendar year, got {year!r}")
    by_name = IN_FORCE_VALUE
    computed = pd.Series(
        [by_name[r] if by_name[r] is not None else pd.NA for r in in_force_reasons(inventory, int(year))],
        index=inventory.index,
        dtype="boolean",
    )
    keep = _overridden(inventory, "in_force")
    if keep.any():
        computed = computed.where(~keep, as_boolean(inventory["in_force"]))
    return inventory.assign(in_force=computed, inventory_year=pd.array([int(year)] * len(inventory), dtype="Int64"))


# -- summary ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Metric:
    metric: str
    label_sv: str
    numerator: str  # key of a mask from _masks()
    base: str | None  # denominator mask; None = a plain count without a percentage


def _metrics() -> tuple[Metric, ...]:
    type_sv = {
        "naringsliv": "Näringslivsprogram/-strategi",
        "tillvaxt": "Tillväxtprogram/-strategi",
        "annat": "Program med annat namn",
        "unknown": "Programtyp okänd",
    }
    regional_sv = {
        "none": "Ingen regional koppling",
        "rus": "Kopplat till regional utvecklingsstrategi (RUS)",
        "intermunicipal": "Kopplat till mellankommunal samverkan",
        "unknown": "Regional koppling okänd",
    }
    tag_sv = {
        "action_plan": "Hänvisar till handlingsplan",
        "sustainability": "Betonar hållbarhet",
        "business_collaboration": "Framtaget tillsammans med lokalt näringsliv",
        "annual_activities": "Nedbrutet i årliga aktiviteter",
    }
    return (
        Metric("municipalities", "Kommuner i inventeringen", "all", None),
        Metric("reached", "Kommuner vars webbplats kunde genomsökas", "reached", "all"),
        *(Metric(f"status_{s.name}", f"Status: {s.label_sv}", f"status_{s.name}", "all") for s in STATUSES),
        Metric("in_force", "Kommuner med gällande program (av alla)", "in_force", "all"),
        Metric("in_force_of_reached", "Kommuner med gällande program (av nådda)", "in_force", "reached"),
        Metric("in_force_unknown", "Nådda kommuner där giltigheten är okänd", "in_force_unknown", "reached"),
        *(Metric(f"type_{t}", type_sv[t], f"type_{t}", "in_force") for t in (*PROGRAM_TYPES, "unknown")),
        *(
            Metric(f"regional_{c}", regional_sv[c], f"regional_{c}", "in_force")
            for c in (*REGIONAL_CATEGORIES, "unknown")
        ),
        *(Metric(t, tag_sv[t], t, "in_force") for t in COUNTED_TAGS),
        Metric("needs_review", "Resultat som bör granskas", "needs_review", "all"),
        Metric("needs_ocr", "Kommuner med ett programliknande dokument som inte kunde läsas utan OCR", "needs_ocr",
               "all"),
    )


METRICS: tuple[Metric, ...] = _metrics()
SUMMARY_COLUMNS = ("metric", "count", "denominator", "percent", "ci_low", "ci_high", "label", "base")


def _masks(inventory: pd.DataFrame) -> dict[str, np.ndarray]:
    status = _column(inventory, "status").astype("object")
    in_force_col = as_boolean(_column(inventory, "in_force"))
    in_force = in_force_col.fillna(False).to_numpy(dtype=bool)
    reached = status.isin(REACHED_STATUSES).to_numpy(dtype=bool)
    ptype = _column(inventory, "program_type").astype("object")
    regional = _column(inventory, "regional_category").astype("object")
    derived = regional_category_from_links(_column(inventory, "rus_link"), _column(inventory, "intermunicipal_link"))
    regional = regional.where(regional.notna(), derived)
    masks: dict[str, np.ndarray] = {
        "all": np.ones(len(inventory), dtype=bool),
        "reached": reached,
        "in_force": in_force,
        "in_force_unknown": reached & in_force_col.isna().to_numpy(dtype=bool),
        "needs_review": _true(_column(inventory, "needs_review")),
        "needs_ocr": _column(inventory, "needs_ocr_document").astype("object").fillna("").astype(str)
        .str.strip().ne("").to_numpy(dtype=bool),
    }
    masks |= {f"status_{s}": (status == s).to_numpy(dtype=bool) for s in STATUS_NAMES}
    masks |= {f"type_{t}": (ptype == t).to_numpy(dtype=bool) for t in PROGRAM_TYPES}
    masks["type_unknown"] = ~ptype.isin(PROGRAM_TYPES).to_numpy(dtype=bool)
    masks |= {f"regional_{c}": (regional == c).fillna(False).to_numpy(dtype=bool) for c in REGIONAL_CATEGORIES}
    masks["regional_unknown"] = ~regional.isin(REGIONAL_CATEGORIES).to_numpy(dtype=bool)
    masks |= {t: _true(_column(inventory, t)) for t in COUNTED_TAGS}
    return masks


def _percent(value: float) -> float:
    return round(100 * value, 1) if not math.isnan(value) else math.nan


def summarise(inventory: pd.DataFrame) -> pd.DataFrame:
    """summary.csv: one row per published figure (``METRICS``), percentages 0-100 with one decimal.

    A zero denominator gives empty percent and interval cells (NA), never 0 %.
    """
    masks = _masks(inventory)
    rows = []
    for m in METRICS:
        base = masks[m.base] if m.base else masks["all"]
        count = int((masks[m.numerator] & base).sum())
        if m.base is None:
            rows.append((m.metric, count, pd.NA, math.nan, math.nan, math.nan, m.label_sv, "none"))
            continue
        n = int(base.sum())
        low, high = wilson_interval(count, n)
        share = count / n if n else math.nan
        rows.append((m.metric, count, n, _percent(share), _percent(low), _percent(high), m.label_sv, m.base))
    frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    return frame.astype(
        {
            "count": "Int64",
            "denominator": "Int64",
            "percent": "Float64",
            "ci_low": "Float64",
            "ci_high": "Float64",
            "metric": "str",
            "label": "str",
            "base": "str",
        }
    )


def summarise_by_county(inventory: pd.DataFrame) -> pd.DataFrame:
    """county.csv: ``summarise`` per county (long format), prefixed with ``county_code, county``."""
    columns = ["county_code", "county", *SUMMARY_COLUMNS]
    if inventory.empty:
        return summarise(inventory).iloc[0:0].assign(county_code="", county="")[columns]
    keys = inventory.assign(
        county_code=_column(inventory, "county_code").astype("object").fillna(""),
        county=_column(inventory, "county").astype("object").fillna(""),
    )
    parts = [
        summarise(group).assign(county_code=code, county=name)
        for (code, name), group in keys.groupby(["county_code", "county"], sort=True)
    ]
    return pd.concat(parts, ignore_index=True)[columns].astype({"county_code": "str", "county": "str"})


# -- headline sentences ----------------------------------------------------------------------
def _whole_percent(count: int, n: int) -> str:
    # Rounded half up from the exact ratio, as the 2017 summary printed whole percentages.
    return str(math.floor(100 * count / n + 0.5))


def headline_sentences(summary: pd.DataFrame, year: int) -> list[str]:
    """The headline figures as Swedish sentences, in the manner of the 2017 manual inventory."""
    by_metric = summary.set_index("metric")

    def get(metric: str) -> tuple[int, int]:
        if metric not in by_metric.index:
            raise ValueError(f"headline_sentences: summary has no metric {metric!r}")
        row = by_metric.loc[metric]
        n = row["denominator"]
        return int(row["count"]), (0 if pd.isna(n) else int(n))

    def share(metric: str) -> str:
        count, n = get(metric)
        return f"{count} ({_whole_percent(count, n)} %)" if n else str(count)

    total, _ = get("municipalities")
    reached, _ = get("reached")
    in_force, _ = get("in_force")
    sentences = [
        f"Inventeringen {year} omfattar {total} kommuner; {reached} av dem "
        f"({_whole_percent(reached, total) if total else '–'} %) hade en webbplats som kunde genomsökas."
    ]
    if total == 0:
        return sentences
    low, high = by_metric.loc["in_force", "ci_low"], by_metric.loc["in_force", "ci_high"]
    interval = f" (95 % konfidensintervall {_sv(low)}–{_sv(high)} %)" if not pd.isna(low) else ""
    sentence = (
        f"{in_force} av {total} kommuner ({_whole_percent(in_force, total)} %) hade ett gällande "
        f"näringslivs- eller tillväxtprogram år {year}{interval}"
    )
    if reached:
        sentence += f"; av de nådda kommunerna var det {_whole_percent(in_force, reached)} %"
    sentences.append(sentence + ".")
    if in_force == 0:
        return sentences
    sentences.append(
        f"Av de {in_force} programmen hette {share('type_naringsliv')} näringslivsprogram eller "
        f"-strategi, {share('type_tillvaxt')} tillväxtprogram eller -strategi och {share('type_annat')} "
        f"något annat." + _unknown(get("type_unknown")[0], "programtypen")
    )
    sentences.append(
        f"{share('regional_rus')} kopplade programmet till den regionala utvecklingsstrategin (RUS), "
        f"{share('regional_intermunicipal')} till mellankommunal samverkan och {share('regional_none')} "
        f"saknade regional koppling." + _unknown(get("regional_unknown")[0], "den regionala kopplingen")
    )
    sentences.append(
        f"{share('action_plan')} program hänvisade till en handlingsplan, {share('sustainability')} betonade "
        f"hållbarhet, {share('business_collaboration')} hade tagits fram tillsammans med det lokala "
        f"näringslivet och {share('annual_activities')} var nedbrutna i årliga aktiviteter."
    )
    return sentences


def _unknown(count: int, what: str) -> str:
    return f" För {count} program är {what} okänd." if count else ""


def _sv(value: Any) -> str:
    """A percentage with a Swedish decimal comma."""
    return f"{float(value):.1f}".replace(".", ",")
