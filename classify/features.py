"""Swedish-aware text features for the programme classifier.

Two kinds of features feed the linear models:

* stemmed word tokens (``StemAnalyzer``: NFC + lowercase, then the Swedish Snowball stemmer), and
* explicit *domain signals*: regular expressions for what analysts look for (programme titles,
  adoption, drafts, party and regional markers, Norwegian/Danish/Finnish words, action plans,
  named regional strategies from ``counties.csv`` and named collaborations from
  ``collaborations.csv``). Signals are data (the ``SIGNALS`` table), not ``if`` ladders.

Everything here is pure and picklable-free: the signals are recompiled from the table at import
time and the model artefact stores only their names.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import Stemmer
from sklearn.base import BaseEstimator, TransformerMixin
from stop_words import get_stop_words

DATA_DIR = Path(__file__).resolve().parent.parent / "base" / "data"

# Where a document's own title lives: the first few lines. Excerpts and PDFs both start with it.
HEAD_CHARS = 400
# Cap on text used per document: full PDFs of 40 pages arrive at predict time, but the signals that
# matter sit in the opening pages plus the sentences hit by domain patterns (kept separately).
TEXT_CAP = 6000
MAX_EXTRA_SENTENCES = 60

_TOKEN_RE = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def normalize(text: str) -> str:
    """NFC + lowercase: the stemmer neither lowercases nor unifies NFD input (ecosystem.md §5)."""
    return unicodedata.normalize("NFC", text).lower()


class StemAnalyzer:
    """Callable analyzer for ``TfidfVectorizer``: normalise, tokenise, drop stop words, stem.

    A class in an importable module (not a lambda) so that a fitted vectoriser can be persisted.
    """

    def __init__(self) -> None:
        self._stemmer: Stemmer.Stemmer | None = None
        self._stop: frozenset[str] | None = None

    def __call__(self, text: str) -> list[str]:
        if self._stemmer is None:
            self._stemmer = Stemmer.Stemmer("swedish")
            self._stop = frozenset(normalize(w) for w in get_stop_words("swedish"))
        stop = self._stop or frozenset()
        tokens = [t for t in _TOKEN_RE.findall(normalize(text)) if t not in stop]
        return self._stemmer.stemWords(tokens)

    def __getstate__(self) -> dict[str, object]:
        return {}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._stemmer = None
        self._stop = None


# --------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------

# Sentence ends: ., ! or ? followed by space and a capital / digit / bullet; or a line break.
_SENT_END_RE = re.compile(r"(?<=[.!?])\s+(?=[\"”'(•\-–A-ZÅÄÖ0-9])")
_BULLET_RE = re.compile(r"^[\s•\-–*·]+")


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; lines are hard boundaries (headings, bullets, table rows)."""
    out: list[str] = []
    for line in text.splitlines():
        line = _BULLET_RE.sub("", line).strip()
        if not line:
            continue
        for part in _SENT_END_RE.split(line):
            part = part.strip()
            if len(part) >= 3:
                out.append(part)
    return out


# --------------------------------------------------------------------------------------------
# Reference data: named regional strategies and collaborations
# --------------------------------------------------------------------------------------------

_PAREN_RE = re.compile(r"\(([^)]*)\)")
_YEARS_RE = re.compile(r"\b(19|20)\d\d\b([–-](19|20)?\d\d)?")


def _split_top(raw: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses ('RUS (2021; revised 2025); RUFS' -> 2 parts)."""
    parts, depth, cur = [], 0, ""
    for ch in raw:
        depth += (ch == "(") - (ch == ")")
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [*parts, cur]


# Name fragments too generic to count as a reference to one strategy on their own.
_GENERIC_FRAGMENTS = frozenset(
    {"nya möjligheter", "verka och utvecklas i", "adopted", "jämtland härjedalen", "jämtlands län"}
)


def _name_variants(raw: str) -> list[str]:
    """'RUS Uppsala län (2021; revised 2025)' -> ['RUS Uppsala län']; 'Business Region Göteborg (BRG)'
    -> ['Business Region Göteborg', 'BRG']; 'Dalastrategin – Dalarna' also yields 'Dalastrategin'.
    Years are dropped so that other editions match too."""
    names: list[str] = []
    for inner in _PAREN_RE.findall(raw):
        inner = inner.strip()
        # An acronym in parentheses is a name of its own; a note ("2021; revised 2025") is not.
        if re.fullmatch(r"[A-ZÅÄÖ][A-ZÅÄÖ0-9]{1,6}", inner):
            names.append(re.sub(r"\d+$", "", inner) or inner)
    base = _PAREN_RE.sub("", raw)
    for part in base.split(","):
        part = _YEARS_RE.sub("", part)
        part = re.sub(r"\s+", " ", part).strip(" -–;:")
        if len(part) >= 4 and part.lower() not in _GENERIC_FRAGMENTS:
            names.append(part)
        # Sub-titles after a dash or colon: keep those that name a strategy, and the first piece
        # when it is a multi-word name ("Det öppna Skåne"), not a bare place ("Halland").
        pieces = [p.strip(" -–;:") for p in re.split(r"\s[–:]\s|:\s", part)]
        for i, piece in enumerate(pieces if len(pieces) > 1 else []):
            strategic = re.search(r"strateg|program|plan|vision|rufs|\bvg20", piece, re.IGNORECASE)
            if (strategic or (i == 0 and " " in piece)) and piece.lower() not in _GENERIC_FRAGMENTS:
                names.append(piece)
    return names


@cache
def reference_names() -> dict[str, tuple[str, ...]]:
    """Named regional strategies (``rus``) and collaborations (``collab``) from the bundled CSVs."""
    rus: list[str] = []
    with (DATA_DIR / "counties.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for raw in _split_top(row["rus_names"], ";"):
                rus.extend(_name_variants(raw))
    collab: list[str] = []
    with (DATA_DIR / "collaborations.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            # Service collaborations (waste, schools, environment) are not business links.
            notes = row["notes"].lower()
            if "not business development" in notes or "environment and energy only" in notes:
                continue
            collab.extend(_name_variants(row["name"]))
    return {"rus": tuple(dict.fromkeys(rus)), "collab": tuple(dict.fromkeys(collab))}


def _county_pattern() -> str:
    """County landscape names ('Hallands län' -> 'halland'), for 'a regional document' in titles."""
    names: list[str] = []
    with (DATA_DIR / "counties.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            stem = re.sub(r"s? län$", "", row["county"].strip())
            names.append(normalize(stem))
    return r"\b(?:" + "|".join(sorted(map(re.escape, names))) + r")s?\b"


def _municipality_pattern() -> str:
    """The 290 municipality names, capitalised as written (so 'Vara' the place, not 'vara' the verb)."""
    with (DATA_DIR / "municipalities.csv").open(encoding="utf-8", newline="") as fh:
        names = sorted({row["name"].strip() for row in csv.DictReader(fh)}, key=lambda n: (-len(n), n))
    return r"\b(?:" + "|".join(re.escape(n) for n in names) + r")s?\b"


def _names_pattern(names: Iterable[str]) -> str:
    """Alternation matching the names; short acronyms (RUFS, GR, BRG) must be uppercase words."""
    # "MalmöLundregionen" is also written "Malmö-Lundregionen" / "Malmö Lundregionen".
    long_names = sorted(
        {"[- ]?".join(re.escape(normalize(p)) for p in re.split(r"(?<=[a-zåäö])(?=[A-ZÅÄÖ])", n))
         for n in names if len(n) > 5},
        key=lambda n: (-len(n), n),
    )
    return r"\b(?:" + "|".join(long_names) + r")\b" if long_names else r"(?!x)x"


def _acronyms(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({n for n in names if len(n) <= 5}))


# --------------------------------------------------------------------------------------------
# Domain signals
# --------------------------------------------------------------------------------------------

_PROG = r"(?:program|strategi|plan|policy)"
# Business words are matched with one free letter where OCR of a scanned PDF garbles the vowel
# ("NYringslivsstrategi", "fBretag"): "n.ringsliv" also matches "näringsliv".
_BIZ = r"(?:n.ringslivs|näringspolitisk|n.ringslivspolitisk|n.ringslivsstrategisk|tillv.xt|f.retags)"


ZONES = ("title", "head", "all")
# The title lines: the first few non-empty lines that are short enough to be a heading. A news item or an
# opinion piece that opens with a sentence about a programme has no programme *title*.
TITLE_LINES = 4
TITLE_LINE_CHARS = 160


def title_lines(text: str) -> str:
    """The first ``TITLE_LINES`` non-empty lines of at most ``TITLE_LINE_CHARS`` characters (lines are
    looked for only among the first 8 non-empty ones, so a title far down a page does not count)."""
    lines = [ln.strip() for ln in text[: HEAD_CHARS * 2].splitlines() if ln.strip()][:8]
    return "\n".join([ln for ln in lines if len(ln) <= TITLE_LINE_CHARS][:TITLE_LINES])


@dataclass(frozen=True)
class Signal:
    """One named domain pattern. ``zone`` is ``title`` (the first short lines), ``head`` (title area,
    first ``HEAD_CHARS`` characters) or ``all``; ``case`` keeps case."""

    name: str
    pattern: str
    zone: str = "all"
    case: bool = False

    def __post_init__(self) -> None:
        if self.zone not in ZONES:
            raise ValueError(f"Signal {self.name!r}: zone must be one of {ZONES}, not {self.zone!r}")


def _signal_table() -> tuple[Signal, ...]:
    ref = reference_names()
    rus_names = _names_pattern(ref["rus"])
    collab_names = _names_pattern(ref["collab"])
    acr = "|".join(re.escape(a) for a in _acronyms(ref["rus"]) if a not in ("RUS",))
    collab_acr = "|".join(re.escape(a) for a in _acronyms(ref["collab"]))
    return (
        # -- programme titles (head) and mentions (all)
        Signal("title_programme", rf"{_BIZ}\w*\s?-?\s?(?:och\s+\w+)?{_PROG}", "head"),
        Signal("title_naringsliv", r"n.ringslivs\w*(?:program|strategi|plan|policy)|n.ringslivsstrategisk"
               r"|näringspolitisk\w* program|n.ringslivspolitisk\w* program", "head"),
        Signal("title_tillvaxt", r"tillv.xt\w*(?:program|strategi)|program för tillv.xt|tillv.xt- och", "head"),
        Signal("title_other_plan", r"handlingsplan|färdplan|genomförandeplan|affärsplan|policy för|"
               r"plan för n.ringsliv|\blup\b|utvecklingsplan", "head"),
        Signal("title_for_business", r"(?:strategi|program|plan|policy|färdplan|inriktningsdokument)\w* för "
               r"(?:att |ett |en )?(?:\w+ ){0,4}(?:n.ringsliv|f.retagsklimat|f.retagande|tillv.xt)\w*|"
               r"inriktningsdokument\w* för n.ringsliv\w*", "head"),
        Signal("title_other_domain", r"(?:landsbygds|miljö|kultur|fritids|besöksnärings|turis\w*|bostads|"
               r"upphandlings|skärgårds|översikts|landskaps|kompetensförsörjnings|integrations|"
               r"folkhälso|digitaliserings)\w*(?:program|strategi|plan|policy|mål)|"
               # "Tillväxtprogrammet – bostadsförsörjning": a sub-title naming another policy area
               r"(?:program|strategi|plan)\w*(?:\s*[–:-]\s*| för )(?:bostad|bostäder|landsbygd|miljö|kultur|turism|"
               r"besöksnäring|"
               r"översikt|infrastruktur|trafik|skol|energi|vatten|klimat)", "head"),
        Signal("mention_programme", rf"{_BIZ}\w*{_PROG}"),
        Signal("own_programme", r"(?:kommunens|stads|kommuns|vår|vårt|vår nya|vårt nya)\s+(?:nya\s+)?"
               rf"{_BIZ}\w*{_PROG}"),
        Signal("programme_word_head", r"\b(?:program|programmet|strategi|strategin|plan|policy)\b", "head"),
        # -- adoption and validity
        Signal("adopted", r"\bantag(?:en|et|its|its av|s|ogs)\b|\bantogs\b|\bbeslutade?s?\b|fastställ(?:d|t|des)"),
        Signal("adopted_body", r"(?:kommunfullmäktige|kommunstyrelsen|\bkf\b|\bks\b)"),
        Signal("period", r"\b20\d\d\s?[–-]\s?20\d\d\b|\b(?:19|20)\d\d\s?[–-]\s?\d\d\b"),
        Signal("styrdokument", r"styrdokument|dokumenttyp|diarienummer|dnr|för revidering ansvarar"),
        Signal("adopted_head", r"\bantag(?:en|et|its|na)\b|\bantogs\b|\bbeslutad(?:e|es)?\b|fastställ(?:d|t|des)|"
               r"fastslag(?:en|na)|\blanserad", "head"),
        Signal("named_municipality", _municipality_pattern(), "all", case=True),
        Signal("named_municipality_head", _municipality_pattern(), "head", case=True),
        Signal("adopted_programme", r"(?:antog|antogs|antagit|antagits|beslutade|beslutades|fastställde|"
               r"fastställdes)\b[^.\n]{0,80}(?:n.ringslivs|tillv.xt|närings)\w*(?:program|strategi|plan|policy)|"
               r"(?:n.ringslivs|tillv.xt)\w*(?:program|strategi|plan|policy)\w*[^.\n]{0,80}\b(?:antogs|antagen|"
               r"antaget|antagits|beslutad|beslutades|fastställd|fastställt|fastslagen)\b"),
        Signal("municipality_head", r"\w+(?:s)? (?:kommuns?|stads?)\b|kommunens|\bkommun\b", "head"),
        # -- negative markers
        Signal("draft", r"\bförslag\w*|\butkast\w*|\bremiss\w*|\bsamråd\w*|\bpreliminär"),
        Signal("draft_head", r"\bförslag\w*|\butkast\w*|\bremiss\w*|\bsamrådsversion", "head"),
        Signal("process", r"ta fram|tar (?:\w+ ){0,4}fram|håller på|påbörja\w*|\binleds\b|startskott|\bigång\b|"
               r"upptakt|arbetet med (?:att ta fram|en ny|den nya|nya)|kommer att (?:ta|arbeta) fram|ska tas fram"),
        Signal("process_head", r"ta fram|tar (?:\w+ ){0,4}fram|tas fram|håller på|påbörja\w*|\binleds\b|"
               r"startskott|\bigång\b|arbetet med (?:att ta fram|en ny|den nya|nya|ett nytt)|steg framåt|"
               r"workshop|\bpågår\b|\bsnart\b|\bnytt? \w+(?:program|strategi)\b(?! antag)", "head"),
        Signal("process_strong_head", r"\bta fram\b|\btar (?:\w+ ){0,4}fram\b|påbörja\w*|\binleds\b|"
               r"startskott|\bigång\b|steg framåt|arbetet med att ta fram", "head"),
        Signal("draft_strong_head", r"\bremiss\w*|\butkast\w*|samrådsversion|samrådshandling|\bsamråd\b|"
               r"granskningshandling|\bdraft\b", "head"),
        Signal("ranking_head", r"\branking\w*|\bklättr\w*|\bplacering\w*|f.retagsklimatmätning", "head"),
        Signal("party", r"socialdemokrat|moderat|liberalerna|centerpartiet|kristdemokrat|miljöpartiet|"
               r"vänsterpartiet|sverigedemokrat|\bvallöfte|\bval 20\d\d|\bmotion\b|\bpartiet\b|\bvårt parti|"
               r"\bvi i \w+(?:partiet|alternativet|listan|demokraterna)\b|kommande mandatperiod"),
        Signal("party_head", r"socialdemokrat|moderat|liberalerna|centerpartiet|kristdemokrat|miljöpartiet|"
               r"vänsterpartiet|sverigedemokrat|\bvallöfte|\bval 20\d\d|\bmotion\b|\bpartiet\b", "head"),
        Signal("party_acronym", r"\((?:S|M|L|C|KD|MP|V|SD)\)", "all", case=True),
        Signal("region", r"\bregion(?:en)?\s+[a-zåäö]+s?\b|länsstyrelse|landsting|\blänets\b|\bi länet\b|"
               r"regionala? utvecklings|regionalt tillv.xt|\bregionens\b"),
        Signal("region_head", r"\bregion\b|\blän\b|\blänets\b|regional|\brus\b|\brup\b|\brufs\b|"
               rf"{_county_pattern()}", "head"),
        Signal("foreign", r"\bkommune\b|\bkommunestyret\b|\bnæring\w*|\bikke\b|\bogså\b|\bbliver\b|"
               r"\bkunta\b|\bvedtatt\b|\bplanen er\b|\bskal\b|\bgjennom\w*|\bhvor\b|\bdette\b|\btiltak\b|"
               r"\bgjelder\b|\bble\b|\bvære\b|\bmellom\b|\bnæringsplan\w*|\bkommunens? plan\w* er\b"),
        Signal("finland", r"kimitoön|åland|finland|pargas|närpes|jakobstad|vasa stad"),
        Signal("ranking", r"svenskt n.ringslivs?\b|\branking\w*|f.retagsklimatranking|\bplacering\w*|klättr\w*"),
        Signal("third_party", r"pressreader|insändare|\breplik\b|krönika|\bledare\b|nyheter och klipp|"
               r"\btidning|\bmagasin|redaktion"),
        Signal("report", r"\brapport\b|revisionsrapport|förstudie|\bstudie\b|enkätundersökning|examensarbete|"
               r"årsredovisning|academic year|\buppsats|\bunderlag\b|omvärldsanalys|\banalys av\b"),
        Signal("report_head", r"\brapport|revision|förstudie|\bstudie\b|enkätundersökning|årsredovisning|"
               r"\bunderlag (?:till|för en)|omvärldsanalys|\banalys\b|nyhetsbrev|\bpm\b|handlingar till|"
               r"uppföljning(?! och tidplan)\w*|årsrapport\w*|verksamhetsberättelse|resultatredovisning|slutrapport|"
               r"protokoll\w*|kallelse", "head"),
        Signal("other_policy_area", r"besöksnäring\w*|landsbygds\w*|miljöprogram\w*|miljömål\w*|kulturplan\w*|"
               r"kultur- och fritid\w*|bostadsförsörjning\w*|upphandling\w*|översiktsplan\w*|turism\w*"),
        Signal("other_policy_head", r"besöksnäring|landsbygd|miljö|kultur|bostad|upphandling|översiktsplan|"
               r"turis|budget|leader|\bllu\b|årsredovisning|\bop\b", "head"),
        Signal("agency", r"tillv.xtverket|regeringen|\bskr\b|\bskl\b|reglab|myndighet|handelskammar"),
        # -- what kind of text it is (news, opinion, advice, follow-up) rather than what it is about
        # A business-programme name in the title lines (short first lines), not just in an opening sentence.
        Signal("title_line_programme", rf"{_BIZ}\w*\s?-?\s?(?:och\s+\w+)?{_PROG}|n.ringslivs\w*(?:plan|policy)|"
               r"(?:strategi|program|plan|policy|färdplan|inriktningsdokument)\w* för (?:att |ett |en )?"
               r"(?:\w+ ){0,4}(?:n.ringsliv|f.retagsklimat|f.retagande|tillv.xt)\w*|affärsplan|\blup\b", "title"),
        Signal("news", r"pressmeddelande|\bnyhet(?:er|sarkiv)?\b|\bpublicerad\b|\bpublicerat\b|"
               r"(?m:^\s*\d{1,2} (?:jan|feb|mar|apr|maj|jun|jul|aug|sep|okt|nov|dec)\w* 20\d\d\s*$)"),
        # A journalist's quote: "– ..., säger Anna Andersson".
        Signal("quote_says", r",? säger [a-zåäö]+|(?m:^\s*[–-] .{10,300}\b(?:säger|berättar|menar)\b)"),
        Signal("future_process", r"förväntas (?:vara )?klar|ska vara klar|beräknas (?:vara )?klar|"
               r"uppdrag(?:et)? att ta fram|påbörja arbetet|"
               r"(?:ny|nytt) \w*(?:strategi|program)\w* (?:ska|kommer att) (?:tas|arbetas|bli)|ute på remiss|"
               r"lämna synpunkter|tyck till"),
        Signal("second_person", r"\btill dig som\b|\bdu som\b|\bhar du\b|\bdu har\b|\bdu kan\b|\bkan du\b|"
               r"\bditt\b|\bdina\b|\bdin\b"),
        # ("vi vill" alone is no marker: programmes say it too.)
        Signal("opinion", r"\bvi i [a-zåäö]+(?:partiet|alternativet|listan)\b|\bvi föreslår\b|\bvi anser\b|"
               r"\bvi kommer att verka\b|kommande mandatperiod|\binsändare"),
        Signal("award", r"\bvinner\b|\bvann\b|utmärkelse\w*|\butsedd\b|\butsågs\b|\bpriset\b|pristagare|"
               r"bästa tillv.xt|\bnominerad"),
        # A municipality named as the actor in the third person ("Alvesta kommun antog", "framtaget av Gävle
        # kommun"): how others write about a programme; its own pages say "kommunen" or "vi".
        Signal("third_person_actor", r"[A-ZÅÄÖ][a-zåäö]+s? (?:kommun|stad) (?:antog|har antagit|tog fram|"
               r"har tagit fram|vinner)|\b(?:antog|antogs|vann) [A-ZÅÄÖ][a-zåäö]+s? (?:kommun|stad)\b|"
               r"(?:framtaget|antaget|antagen|framtagen) av [A-ZÅÄÖ][a-zåäö]+s? (?:kommun|stad)",
               "all", case=True),
        Signal("period_over", r"nått sitt slut|har löpt ut|har gått ut|programperioden|stort tack|"
               r"genomförda aktiviteter|har (?:nu )?avslutats"),
        # Navigation and service boilerplate of a hub page ("Läs mer", "Kontakta ...", "e-tjänst").
        Signal("navigation", r"\bläs mer\b|här hittar du|\bkontakta\b|e-tjänst|\bblankett\w*|telefontider|"
               r"hör av dig|senast uppdaterad|på den här sidan"),
        # -- tags
        Signal("rus_generic", r"\brus\b|regionala? utvecklingsstrategi\w*|(?:regionens|länets) utvecklingsstrategi\w*|"
               r"regionalt? utvecklingsprogram\w*|regionala? utvecklingsplan\w*|\brup\b|regionala tillv.xtstrategi\w*"),
        Signal("rus_named", rus_names),
        Signal("rus_acronym", rf"\b(?:{acr})\b" if acr else r"(?!x)x", "all", case=True),
        Signal("collab_named", collab_names),
        Signal("collab_acronym", rf"\b(?:{collab_acr})\b" if collab_acr else r"(?!x)x", "all", case=True),
        Signal("collab_neighbours", rf"(?i:tillsammans med|samarbetar med|samarbete med|samverkan med|inom|"
               rf"deltar i) {_municipality_pattern()}(?:,| och) {_municipality_pattern()}", "all", case=True),
        Signal("collab_generic", r"kommunalförbund\w*|business region|grannkommun\w*|kommunöverskridande|"
               r"medlemskommun\w*|"
               r"(?:samverkan|samarbete|samarbeta) med (?:\w+ ){0,2}(?:kommuner|grannkommuner)|övriga kommuner|"
               r"mellankommunal\w*|delregion\w*|\bkommunerna i\b|regionens kommuner|"
               r"tillsammans med (?:\w+ )?(?:kommunerna|grannkommunerna|\d+ kommuner)|\d+ kommuner"),
        Signal("action_plan", r"handlingsplan\w*|aktivitetsplan\w*|genomförandeplan\w*|åtgärdsplan\w*|"
               r"handlingsprogram\w*|färdplan\w*|"
               # an actions table: "Åtgärd: ... Ansvar: ... Klart: 2024"
               r"(?:aktivitet|åtgärd|insats)\s*:[^\n]{0,150}\b(?:ansvarig?|tidplan|klart)\s*:"),
        Signal("action_heading", r"(?m)^[ \t\d.]*(?:handlingsplan\w*|aktiviteter|åtgärder|genomförande|"
               r"aktivitetsplan\w*|insatser)(?: \w+){0,3}[ \t]*$"),
        Signal("annual", r"årlig\w*\s+(?:handlingsplan|aktivitetsplan|projekt|aktiviteter|plan)\w*|"
               r"årsplan\w*|årschema|varje år (?:tas|upprättas|tar)|per verksamhetsår|i verksamhetsplanen|"
               r"budget\w* för (?:varje|respektive) år|ettårig\w*|årsvis|"
               r"(?:uppdateras|revideras|tas fram|följs upp med åtgärder) årligen|årligen (?:med|tas fram|revideras)|"
               r"varje år (?:en )?(?:ny |uppdaterad )?(?:handlingsplan|aktivitetsplan)"),
        Signal("sustain_strong", r"hållbar\w* tillv.xt|agenda 2030|globala målen|hållbarhet\w*|"
               r"hållbar utveckling|ekologisk\w*|\bklimat\w*|social\w*, ekonomisk|grön omställning|"
               r"miljömässig\w*|cirkulär"),
        Signal("sustain_head", r"hållbar\w*|agenda 2030", "head"),
        # Section headings (a line of its own) name the document's focus areas.
        Signal("sustain_heading", r"(?m)^[ \t\d.]*(?:hållbar\w*(?: \w+){0,3}|agenda 2030|"
               r"social, ekologisk och ekonomisk hållbarhet|klimat och miljö)[ \t]*$"),
        Signal("sustain_agenda", r"agenda 2030|globala mål|de tre hållbarhetsdimensionerna|"
               r"social, ekologisk och ekonomisk hållbarhet|klimatneutral\w*"),
        Signal("biz_dialogue", r"(?:i|genom) (?:nära )?(?:dialog|samverkan|samarbete|samråd) med "
               r"(?:\w+ ){0,3}(?:n.ringsliv|f.retag)\w*|tillsammans med (?:\w+ ){0,3}(?:n.ringsliv\w*|"
               r"f.retag\w*)|(?:workshop|dialogmöte|rundabordssamtal|enkät|intervju)\w*|"
               r"f.retagare(?:föreningar|na)?|n.ringslivsråd\w*|f.retagarorganisation\w*|"
               r"framtag\w* (?:\w+ ){0,4}(?:n.ringsliv\w*|f.retag\w*)|samspel"),
        Signal("developed_with_business", r"(?:tagits|tas|arbetats|togs|tog) fram[^.\n]{0,120}(?:n.ringsliv|f.retag)|"
               r"(?:framtag\w*|utarbeta\w*|formulerats|utvecklats)[^.\n]{0,120}(?:n.ringsliv|f.retag)|"
               r"(?:n.ringsliv\w*|f.retag\w*)[^.\n]{0,80}(?:har deltagit|deltog|medverkat|bidragit)|"
               r"samverkansprocess|samlades (?:\w+ ){0,4}f.retagare|partnerskap\w*[^.\n]{0,80}n.ringsliv|"
               r"(?:dialog|samråd|workshops?|möten) med[^.\n]{0,60}(?:n.ringsliv|f.retag)|"
               r"(?:samverkan|samspel) mellan[^.\n]{0,60}(?:n.ringsliv|f.retag)|"
               r"arbetsgrupp\w*[^.\n]{0,60}f.retagare|synpunkter[^.\n]{0,80}från (?:\w+ )?f.retag"),
        Signal("developed", r"tagits fram|har tagit fram|arbetats fram|framtagen|framtaget|utarbetat|"
               r"formulerats|utvecklats"),
    )


SIGNALS: tuple[Signal, ...] = _signal_table()


@cache
def _compiled() -> tuple[tuple[Signal, re.Pattern[str]], ...]:
    return tuple(
        (s, re.compile(s.pattern, 0 if s.case else re.IGNORECASE)) for s in SIGNALS
    )


def signal_names() -> tuple[str, ...]:
    return tuple(s.name for s in SIGNALS)


# program_type from the document's own title: the *first* title term in the head decides. Ordered
# table (pattern, type); "Tillväxt- och näringslivsprogram" counts as tillväxt (corpus README).
TYPE_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"tillv.xt-? och n.ringslivs\w*", "tillvaxt"),
    # A strategy for business *and* another field is a programme under another name.
    (r"(?:landsbygds|besöksnärings|arbetsmarknads|turism)\w*-? och n.ringslivs\w*|"
     r"(?:strategi|program|plan)\w* för n.ringsliv(?:et)? och (?:besöksnäring|arbetsmarknad|landsbygd|turism)",
     "annat"),
    (r"tillv.xt\w*(?:program|strategi)\w*|program(?:met)? för (?:\w+ )?tillv.xt|"
     r"strategi(?:n)? för (?:\w+ )?tillv.xt", "tillvaxt"),
    (r"n.ringslivs(?:program|strategi|strategisk|politisk\w* (?:program|strategi))\w*|"
     r"näringspolitisk\w* program\w*|(?:strategi|program)(?:n|met)? för (?:att \w+ (?:och \w+ )?)?"
     r"(?:\w+ ){0,3}(?:n.ringsliv|f.retagsklimat)\w*", "naringsliv"),
    (r"n.ringslivsplan\w*|n.ringslivspolicy\w*|policy för n.ringsliv\w*|plan för n.ringsliv\w*|"
     r"handlingsplan\w*|färdplan\w*|genomförandeplan\w*|affärsplan\w*|\blup\b|utvecklingsplan\w*|"
     r"inriktningsdokument\w*|\bprogram [a-zåäö]\b|handslag\w*|kraftsamling", "annat"),
)
TYPE_SIGNALS = tuple(f"type_first_{t}" for t in ("naringsliv", "tillvaxt", "annat"))


def _first_type(head: str) -> str | None:
    best: tuple[int, str] | None = None
    for rx, kind in _type_compiled():
        m = rx.search(head)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), kind)
    return best[1] if best else None


@cache
def _type_compiled() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(p, re.IGNORECASE), t) for p, t in TYPE_PATTERNS)


def _title_area(low: str) -> str:
    """The head with words hyphenated across lines joined ("näringslivs-\nstrategi")."""
    return re.sub(r"(\w)-[ \t]*\n[ \t]*(\w)", r"\1\2", low[: HEAD_CHARS + 20])[:HEAD_CHARS]


def title_type(text: str) -> str | None:
    """The programme type named first in the title area, by the ``TYPE_PATTERNS`` rule."""
    return _first_type(_title_area(normalize(text)))


@lru_cache(maxsize=2048)
def signal_counts(text: str) -> dict[str, int]:
    """Hit counts of every signal (head signals look only at the title area), plus the
    ``type_first_*`` indicators of the title rule. Cached: training and CV score the same texts often."""
    orig = unicodedata.normalize("NFC", text)
    low = orig.lower()
    zones = {"title": title_lines(orig), "head": orig[:HEAD_CHARS], "all": orig}
    lowered = {zone: part.lower() for zone, part in zones.items()}
    counts: dict[str, int] = {}
    for sig, rx in _compiled():
        target = zones[sig.zone] if sig.case else lowered[sig.zone]
        counts[sig.name] = sum(1 for _ in rx.finditer(target))
    first = _first_type(_title_area(low))
    for kind in ("naringsliv", "tillvaxt", "annat"):
        counts[f"type_first_{kind}"] = int(first == kind)
    return counts


def signal_table_digest() -> str:
    """Digest of the signal definitions: a model trained on other signals must not be loaded."""
    table = [[s.name, s.pattern, s.zone, s.case] for s in SIGNALS] + [list(t) for t in TYPE_PATTERNS]
    return hashlib.sha256(json.dumps(table, ensure_ascii=False).encode()).hexdigest()[:16]


def signal_hits(sentence: str, names: Sequence[str]) -> int:
    """Hits of the named signals in one sentence (zone ignored): used to score evidence."""
    low = normalize(sentence)
    orig = unicodedata.normalize("NFC", sentence)
    total = 0
    for sig, rx in _compiled():
        if sig.name in names:
            total += sum(1 for _ in rx.finditer(orig if sig.case else low))
    return total


# Which signals each task uses (on top of the stemmed words). Data, so that a new tag is one line.
TASK_SIGNALS: dict[str, tuple[str, ...]] = {
    "is_program": tuple(s.name for s in SIGNALS),
    "program_type": ("title_naringsliv", "title_tillvaxt", "title_other_plan", "title_programme"),
    "rus_link": ("rus_generic", "rus_named", "rus_acronym", "region"),
    "intermunicipal_link": ("collab_named", "collab_acronym", "collab_generic", "collab_neighbours"),
    "action_plan": ("action_plan", "action_heading", "annual"),
    "sustainability": ("sustain_strong", "sustain_head", "sustain_heading", "sustain_agenda"),
    "business_collaboration": ("developed_with_business", "biz_dialogue", "developed"),
    "annual_activities": ("annual", "action_plan"),
}


# A domain feature is a *spec* (JSON data, stored in the model artefact):
#   "log:NAME"  log1p(hits)          "has:NAME"  1 if any hit          "many:NAME"  1 if 2+ hits
#   ["any", spec, ...]  max          ["all", spec, ...]  min          ["not", spec]  1 - spec
Spec = str | list  # type: ignore[type-arg]

_TITLE = ["any", "has:title_naringsliv", "has:title_tillvaxt", "has:title_other_plan", "has:title_for_business"]
_NEG_HEAD = ["any", "has:draft_head", "has:process_head", "has:region_head", "has:report_head",
             "has:title_other_domain", "has:ranking_head"]
# Cues of a text written *about* a programme (process news, opinion, awards, third-party reporting,
# a follow-up of a finished period) rather than the programme itself.
_ABOUT = ["any", "has:future_process", "has:opinion", "has:award", "has:third_person_actor", "has:period_over"]

# Markers that make a document not a municipality's own adopted programme, whatever its title says.
_VETO = ["any",
         "has:draft_strong_head", "has:process_strong_head", "many:foreign",
         ["all", "has:draft_head", ["not", "has:adopted_head"]],
         ["all", "has:process_head", ["not", "has:adopted_head"]],
         "has:report_head", "has:title_other_domain", _ABOUT, "has:ranking_head", "has:party_head", "has:finland",
         ["all", "has:region_head", ["not", "has:municipality_head"]],
         # Another policy area in the title area (landsbygd, turism, miljö) without a business title.
         ["all", "has:other_policy_head", ["not", "has:title_naringsliv"], ["not", "has:title_tillvaxt"]]]


def eval_spec(spec: Spec, counts: dict[str, int]) -> float:
    if isinstance(spec, str):
        kind, _, name = spec.partition(":")
        n = counts[name]
        if kind == "log":
            return math.log1p(n)
        if kind == "has":
            return float(n > 0)
        if kind == "many":
            return float(n > 1)
        raise ValueError(f"unknown spec kind {kind!r} in {spec!r}; expected 'log', 'has' or 'many'")
    op, *args = spec
    vals = [eval_spec(a, counts) for a in args]
    if op == "any":
        return max(vals)
    if op == "all":
        return min(vals)
    if op == "not":
        return 1.0 - vals[0]
    raise ValueError(f"unknown spec operator {op!r}; expected 'any', 'all' or 'not'")


# Signals that each, alone, state the tag as the corpus README defines it. Their "any" feature lets a
# cue that is rare in the short corpus excerpts (a "Hållbarhet" section heading, an actions table)
# share the weight learned from the frequent one (sustainability in the title).
TAG_ANY: dict[str, tuple[str, ...]] = {
    "rus_link": ("rus_generic", "rus_named", "rus_acronym"),
    "intermunicipal_link": ("collab_named", "collab_acronym", "collab_generic", "collab_neighbours"),
    "action_plan": ("action_plan", "action_heading"),
    "sustainability": ("sustain_head", "sustain_heading", "sustain_agenda"),
    "business_collaboration": ("developed_with_business",),
    "annual_activities": ("annual",),
}


def _logs(names: Iterable[str]) -> list[Spec]:
    return [f"log:{n}" for n in names]


TASK_SPECS: dict[str, list[Spec]] = {
    "is_program": [
        *(f"has:{s.name}" for s in SIGNALS),
        _TITLE,
        ["all", _TITLE, "has:adopted_head"],
        ["all", _TITLE, ["not", _NEG_HEAD]],
        ["all", _TITLE, "has:municipality_head", ["not", _NEG_HEAD]],
        ["all", "has:draft_head", ["not", "has:adopted_head"]],
        ["all", "has:process_head", ["not", "has:adopted_head"]],
        ["all", _TITLE, "has:region_head", ["not", "has:municipality_head"]],
        ["all", "has:title_other_domain", ["not", "has:title_naringsliv"]],
        ["any", "has:party", "has:foreign", "has:finland"],
        _VETO,
        ["all", _TITLE, ["not", _VETO]],
        ["all", _TITLE, "has:named_municipality", ["not", _VETO]],
        # What kind of text it is: a programme title line without veto, and the news / opinion / advice
        # / follow-up cues that mark a text *about* a programme rather than the programme.
        ["all", "has:title_line_programme", ["not", _VETO]],
        ["all", "has:news", ["not", "has:adopted_programme"]],
        _ABOUT,
        ["all", _TITLE, ["not", "has:title_line_programme"], _ABOUT],
        "many:second_person", "many:quote_says", "many:navigation",
    ],
    "program_type": [*(f"has:{n}" for n in TYPE_SIGNALS), *_logs(TASK_SIGNALS["program_type"])],
    **{
        label: [*_logs(names), *(f"has:{n}" for n in names), ["any", *(f"has:{n}" for n in TAG_ANY[label])]]
        for label, names in TASK_SIGNALS.items()
        if label not in ("is_program", "program_type")
    },
}


def signal_vector(text: str, specs: Sequence[Spec]) -> list[float]:
    counts = signal_counts(text)
    return [eval_spec(s, counts) for s in specs]


class DomainFeatures(BaseEstimator, TransformerMixin):
    """sklearn transformer: text -> the task's domain specs (``TASK_SPECS``) evaluated on it."""

    def __init__(self, task: str = "is_program") -> None:
        self.task = task

    def fit(self, X: Sequence[str], y: object = None) -> DomainFeatures:
        if self.task not in TASK_SPECS:
            raise ValueError(f"unknown task {self.task!r}; expected one of {sorted(TASK_SPECS)}")
        self.specs_ = TASK_SPECS[self.task]
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        return np.array([signal_vector(t, self.specs_) for t in X], dtype=float).reshape(len(X), -1)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array([json.dumps(s, ensure_ascii=False) for s in self.specs_], dtype=object)


# A business/growth programme talks about business: a text without any of these words is about something
# else, whatever its title ("Policy för lokalförsörjning"). One free letter for OCR, as above.
_BUSINESS_RE = re.compile(r"n.ringsliv|f.retag|tillv.xt|entrepren|\bjobb|arbetstillf.llen|etablering|"
                          r"n.ringspolitik|arbetsmarknad|\bhandel\b|industri|innovation", re.IGNORECASE)
# Lines that are navigation or service boilerplate on a hub page rather than content.
_BOILERPLATE_RE = re.compile(r"\bläs mer\b|här hittar du|\bkontakta\b|e-tjänst|\bblankett|telefontider|"
                             r"hör av dig|senast uppdaterad|på den här sidan|ansök\w* digitalt|"
                             r"\bdokument\s*$|\((?:pdf|docx?|xlsx?),? [\d ,.]+\s*[km]?b\)", re.IGNORECASE)
_WORD_RE = re.compile(r"[^\W\d_]{2,}")
# Fewer content words than this and a page presents nothing (a hub with links and contact lines).
MIN_CONTENT_WORDS = 25


def business_words(text: str) -> int:
    """How many business words (näringsliv, företag, tillväxt, jobb ...) the text has."""
    return sum(1 for _ in _BUSINESS_RE.finditer(text))


def content_words(text: str) -> int:
    """Words outside the title line and outside navigation/service boilerplate lines."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return sum(len(_WORD_RE.findall(ln)) for ln in lines[1:] if not _BOILERPLATE_RE.search(ln))


def is_hub_page(text: str) -> bool:
    """A page of links and contact lines with (almost) no content of its own: it presents no programme."""
    boilerplate = sum(1 for ln in text.splitlines() if _BOILERPLATE_RE.search(ln))
    return boilerplate > 0 and content_words(text) < MIN_CONTENT_WORDS


def cap_text(text: str, limit: int = TEXT_CAP) -> str:
    """The first ``limit`` characters plus later sentences hit by a tag signal.

    Keeps predict-time cost flat for 40-page PDFs while still seeing an RUS chapter on page 12.
    """
    if len(text) <= limit:
        return text
    head, rest = text[:limit], text[limit:]
    wanted = tuple(n for task, names in TASK_SIGNALS.items() if task not in ("is_program", "program_type")
                   for n in names if n != "region")
    extra: list[str] = []
    for sent in split_sentences(rest):
        if signal_hits(sent, wanted):
            extra.append(sent)
            if len(extra) >= MAX_EXTRA_SENTENCES:
                break
    return head + "\n" + "\n".join(extra)
