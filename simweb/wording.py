"""Swedish wording for programmes, decoys and pages: sentence templates, expanded with a seeded RNG.

The templates are data (``simweb/data/wording.toml``); this module expands them and lays them out as
documents. Templates use ``{a|b|c}`` for alternatives (chosen per use) and ``[slot]`` for named values.
Each classifier trait has many templates in both polarities, so the same trait is never said the
same way twice; ``trait_sentences`` picks from the table of the trait's polarity.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from .datafiles import table

_ALT = re.compile(r"\{([^{}]*)\}")
_SLOT = re.compile(r"\[([a-z_]+)\]")


# slots drawn afresh at every use, so one document does not repeat the same figure everywhere
_FRESH = {
    "num": lambda rng: str(rng.choice([12, 25, 40, 60, 75, 150, 300, 450, 900, 1200])),
    "rank": lambda rng: str(rng.randint(15, 250)),
    "pct": lambda rng: str(rng.randint(60, 85)),
}


def expand(rng: random.Random, template: str, slots: dict[str, str] | None = None) -> str:
    """Fill ``[slot]``s, then choose one alternative in every ``{a|b}`` group."""

    def slot(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in _FRESH:
            return _FRESH[name](rng)
        return (slots or {}).get(name, m.group(0))

    text = _SLOT.sub(slot, template)
    text = _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r" ([.,])", r"\1", text)  # an empty alternative before punctuation
    return text[:1].upper() + text[1:]


def pick(rng: random.Random, templates: list[str], n: int, slots: dict[str, str]) -> list[str]:
    n = min(n, len(templates))
    return [expand(rng, t, slots) for t in rng.sample(templates, n)]


# The corpus labelling rules (shared/corpus/README.md), as data. program_type is read from the
# document's own title: `naringsliv` = näringslivsprogram/-strategi/-plan, `tillvaxt` =
# tillväxtprogram/-strategi ("Tillväxt- och näringslivsprogram" counts here), `annat` = every other
# name (plan, policy, handlingsplan, färdplan, LUP). The name that comes first in the title decides
# ("Näringslivsstrategi för hållbar tillväxt" is a näringslivsstrategi), ties go to the earlier rule;
# no match is `annat`.
PROGRAM_TYPE_RULES: tuple[tuple[str, str], ...] = (
    (r"tillväxt- och näringslivs", "tillvaxt"),  # named in the README
    (r"\w+- och näringslivs|för näringsliv och \w+", "annat"),  # business combined with another field
    (r"tillväxt(?:program|strategi)|(?:program|strategi) för (?:\w+ )?tillväxt", "tillvaxt"),
    (r"näringslivs(?:program|strategi|plan)\b", "naringsliv"),
    # a strategy/programme named for the business climate is a business strategy by its own title
    # (classify.signals.TYPE_PATTERNS, from classify/data/signals.toml, reads it the same way)
    (r"\b(?:strategi|program)\w* för (?:\w+ ){0,3}(?:företagsklimat|företagande)", "naringsliv"),
)
# "Sustainability is emphasised" when the title names it (README: "in the title or subtitle")
SUSTAINABILITY_IN_TITLE = re.compile(r"hållbar|agenda 2030|klimat(?:neutral|smart)", re.IGNORECASE)
# A document named as an action plan is one (README: handlingsplan, aktivitetsplan, genomförandeplan, åtgärdsplan)
ACTION_PLAN_WORDS = re.compile(r"handlingsplan|aktivitetsplan|genomförandeplan|åtgärdsplan", re.IGNORECASE)


def title_program_type(title: str) -> str:
    """The corpus programme type of a title, by ``PROGRAM_TYPE_RULES``."""
    low = title.lower()
    hits = [(m.start(), i, kind) for i, (rx, kind) in enumerate(PROGRAM_TYPE_RULES) if (m := re.search(rx, low))]
    return min(hits)[2] if hits else "annat"


@dataclass(frozen=True)
class Term:
    """A programme name: the word in titles and the document type; the labels its name implies."""

    word: str
    doctype: str

    @property
    def program_type(self) -> str:  # naringsliv | tillvaxt | annat
        return title_program_type(self.word)

    @property
    def names_sustainability(self) -> bool:
        return SUSTAINABILITY_IN_TITLE.search(self.word) is not None

    @property
    def names_action_plan(self) -> bool:
        return ACTION_PLAN_WORDS.search(self.word) is not None


_W = table("wording")


def _terms(rows: list[dict[str, str]]) -> list[Term]:
    return [Term(r["word"], r["doctype"]) for r in rows]


# The tables of data/wording.toml under the names the generator and the tests use.
TERMS_PLAIN = _terms(_W["terms"]["plain"])
TERMS_PLAN_POLICY = _terms(_W["terms"]["plan_policy"])
TERMS_COMBINED = _terms(_W["terms"]["combined"])
DRAFT_MARKERS: list[str] = _W["names"]["draft_markers"]
FINNISH_SWEDISH: list[str] = _W["names"]["finnish_swedish"]
SLOGANS: list[str] = _W["names"]["slogans"]
_T = _W["traits"]
TRAIT_RUS_TRUE: list[str] = _T["rus_true"]
TRAIT_RUS_FALSE: list[str] = _T["rus_false"]
TRAIT_INTER_TRUE: list[str] = _T["inter_true"]
TRAIT_INTER_FALSE: list[str] = _T["inter_false"]
TRAIT_BUSINESS_TRUE: list[str] = _T["business_true"]
TRAIT_BUSINESS_FALSE: list[str] = _T["business_false"]
TRAIT_ANNUAL_TRUE: list[str] = _T["annual_true"]
TRAIT_ANNUAL_PLAN: list[str] = _T["annual_plan"]
TRAIT_ANNUAL_FALSE: list[str] = _T["annual_false"]
TRAIT_SUSTAIN_STRONG: list[str] = _T["sustain_strong"]
TRAIT_SUSTAIN_PASSING: list[str] = _T["sustain_passing"]
_P = _W["programme"]
INTRO: list[str] = _P["intro"]
VISIONS: list[str] = _P["visions"]
GOALS: list[str] = _P["goals"]
ACTION_ROWS: list[str] = _P["action_rows"]
FOLLOW_UP: list[str] = _P["follow_up"]
FOCUS_AREAS: dict[str, list[str]] = _P["focus_areas"]
HEADINGS: dict[str, list[str]] = _P["headings"]
FILLER: list[str] = _W["filler"]["sentences"]


@dataclass
class DocText:
    """A document as structure: what the PDF/DOCX/HTML renderers lay out."""

    title_lines: list[str]
    subtitle: str = ""
    marker: str = ""  # "FÖRSLAG" etc. on page 1
    header: list[tuple[str, str]] = field(default_factory=list)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)

    def plain_text(self) -> str:
        parts = [self.marker, *self.title_lines, self.subtitle]
        parts += [f"{k} {v}" for k, v in self.header]
        for head, paras in self.sections:
            parts.append(head)
            parts.extend(paras)
        return "\n".join(p for p in parts if p)


def slots_for(
    rng: random.Random,
    kommun: str,
    county: str,
    region: str,
    rus: str,
    collab: str,
    neighbours: str,
    start: int,
    end: int,
) -> dict[str, str]:
    return {
        "kommun": kommun,
        "county": county,
        "region": region,
        "rus": rus,
        "collab": collab,
        "neighbours": neighbours,
        "start": str(start),
        "end": str(end),
        "prev_year": str(start - 1),
        "prev_period": f"{start - 4}–{start - 1}",
        "num": str(rng.choice([12, 25, 40, 75, 150, 300, 900, 1200])),
        "year": str(rng.randint(start, end)),
        "road": rng.choice(["E4", "E20", "E22", "riksväg 40", "väg 26"]),
        "topic": "näringsliv",
    }


@dataclass(frozen=True)
class Traits:
    program_type: str
    rus_link: bool
    intermunicipal_link: bool
    action_plan: bool
    sustainability: bool
    business_collaboration: bool
    annual_activities: bool

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def trait_sentences(rng: random.Random, traits: Traits, slots: dict[str, str]) -> dict[str, list[str]]:
    """Sentences per trait, chosen from the table of the trait's polarity."""
    table = {
        "rus": TRAIT_RUS_TRUE if traits.rus_link else TRAIT_RUS_FALSE,
        "inter": TRAIT_INTER_TRUE if traits.intermunicipal_link else TRAIT_INTER_FALSE,
        "business": TRAIT_BUSINESS_TRUE if traits.business_collaboration else TRAIT_BUSINESS_FALSE,
        "annual": (TRAIT_ANNUAL_TRUE + (TRAIT_ANNUAL_PLAN if traits.action_plan else []))
        if traits.annual_activities
        else TRAIT_ANNUAL_FALSE,
        "sustain": TRAIT_SUSTAIN_STRONG if traits.sustainability else TRAIT_SUSTAIN_PASSING,
    }
    strong = {"rus": traits.rus_link, "inter": traits.intermunicipal_link, "sustain": traits.sustainability}
    out: dict[str, list[str]] = {}
    for key, templates in table.items():
        n = rng.randint(2, 3) if strong.get(key, True) else 1
        out[key] = pick(rng, templates, n, slots)
    return out


def programme_text(
    rng: random.Random,
    *,
    title_lines: list[str],
    subtitle: str,
    header: list[tuple[str, str]],
    marker: str,
    traits: Traits,
    slots: dict[str, str],
    validity_sentence: str,
) -> DocText:
    """A programme in the order real ones use: intro, vision, goals, focus areas, plan, follow-up."""
    ts = trait_sentences(rng, traits, slots)
    intro = pick(rng, INTRO, rng.randint(2, 4), slots) + ts["business"] + [validity_sentence]
    sections: list[tuple[str, list[str]]] = [(rng.choice(HEADINGS["intro"]), intro)]
    if traits.rus_link or rng.random() < 0.5:
        head = rng.choice(HEADINGS["links"])
        sections.append((head, ts["rus"]))
    else:
        intro.extend(ts["rus"])
    sections.append(("Vision", pick(rng, VISIONS, rng.randint(1, 2), slots)))
    sections.append((rng.choice(HEADINGS["goals"]), pick(rng, GOALS, rng.randint(3, 5), slots)))
    areas = rng.sample(sorted(FOCUS_AREAS), rng.randint(3, 5))
    for area in areas:
        sections.append((area, pick(rng, FOCUS_AREAS[area], 2, slots)))
    if traits.sustainability:
        sections.insert(rng.randint(3, len(sections)), (rng.choice(HEADINGS["sustainability"]), ts["sustain"]))
    else:
        sections[-1][1].extend(ts["sustain"])
    if traits.intermunicipal_link:
        sections.append((rng.choice(HEADINGS["collaboration"]), ts["inter"]))
    else:
        sections[-1][1].extend(ts["inter"])
    if traits.action_plan:
        rows = pick(rng, ACTION_ROWS, 3, slots) + pick(rng, ACTION_ROWS, 2, slots)
        sections.append(
            (
                rng.choice(HEADINGS["action_plan"]).replace("[start]", slots["start"]).replace("[end]", slots["end"]),
                rows,
            )
        )
    follow = pick(rng, FOLLOW_UP, 2, slots) + ts["annual"]
    sections.append((rng.choice(HEADINGS["follow_up"]), follow))
    return DocText(title_lines=title_lines, subtitle=subtitle, marker=marker, header=header, sections=sections)


# ---------------------------------------------------------------- decoys

DECOY_CLASSES = (
    "regional_strategy",
    "ranking_report",
    "uppfoljning",
    "ks_protocol",
    "tjansteskrivelse",
    "news_draft",
    "tillvaxt_housing",
    "besoksnaring",
    "handelsstrategi",
    "landsbygdsprogram",
    "kompetensforsorjning",
    "upphandlingspolicy",
    "oversiktsplan",
    "naringslivsrad_minnes",
    "foretagarguide",
    "eu_project",
    "neighbour_programme",
    "finnish_programme",
    "mirror",
)

# class -> (title templates, [(heading, paragraph templates)])
_DECOY: dict[str, tuple[list[str], list[tuple[str, list[str]]]]] = {
    cls: (d["titles"], [(s["head"], s["paragraphs"]) for s in d["sections"]]) for cls, d in _W["decoys"].items()
}


def decoy_text(rng: random.Random, cls: str, slots: dict[str, str]) -> DocText:
    titles, sections = _DECOY[cls]
    s = dict(slots)
    s.setdefault("date", f"{slots['year']}-0{rng.randint(1, 9)}-{rng.randint(10, 28)}")
    s["num2"] = str(rng.randint(2, 9))
    title = expand(rng, rng.choice(titles), s)
    out = [(expand(rng, h, s), [expand(rng, p, s) for p in paras]) for h, paras in sections]
    out.append(("Övrigt", pick(rng, FILLER, 2, s)))
    return DocText(title_lines=[title], sections=out)
