"""Metadata read from a document's text: title, validity period, adoption, diarienummer, draft, language.

Pure functions on plain text (the output of ``extract.reader``). Every pattern is a general Swedish
municipal-document convention (header tables such as "Fastställt kommunfullmäktige 2017-04-10 § 41",
titles such as "Näringslivsstrategi 2035", news sentences such as "antogs av kommunfullmäktige i maj
2017"); the vocabulary lives in the tables below, not in ``if`` ladders. Where a document states several
candidates, candidates are scored by their context and the best one wins; see docs/extraction.md.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from extract.pdf import dehyphenate

# Where to look. Title pages, header tables and the opening paragraphs carry the metadata; searching a
# whole 100-page document would mostly find other documents' periods (the RUS, the previous programme).
HEAD_CHARS = 6000
# Colophons ("Antagen av kommunfullmäktige ...") are often printed on the last page instead.
TAIL_CHARS = 2500

YEAR = r"(?:19[89]\d|20[0-6]\d)"
_DASH = r"\s*[-–—‐‑]\s*"
_MONTHS = {
    "januari": 1, "februari": 2, "mars": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7,
    "augusti": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
}  # fmt: skip
_MONTH = "(?:" + "|".join(_MONTHS) + ")"
# A date as written in Swedish municipal documents: ISO (also with dots) or "10 december 2015".
_DATE_RE = re.compile(
    rf"(?<!\d)(?P<y>{YEAR})[-.](?P<m>[01]\d)[-.](?P<d>[0-3]\d)(?!\d)"
    rf"|(?<!\d)(?P<d2>[0-3]?\d)(?::e|:a)?\s+(?P<m2>{_MONTH})\s+(?P<y2>{YEAR})(?!\d)",
    re.IGNORECASE,
)
# "i maj 2017", "I september 2020": month precision, used only for the adoption *year*.
_MONTH_YEAR_RE = re.compile(rf"\b{_MONTH}\s+(?:år\s+)?(?P<y>{YEAR})\b", re.IGNORECASE)
_YEAR_RE = re.compile(rf"(?<![\d/:-]){YEAR}(?![\d/:])")


def _parse_date(m: re.Match[str]) -> str | None:
    if m.group("y"):
        y, mo, d = int(m.group("y")), int(m.group("m")), int(m.group("d"))
    else:
        y, mo, d = int(m.group("y2")), _MONTHS[m.group("m2").lower()], int(m.group("d2"))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def find_dates(text: str) -> list[tuple[int, str]]:
    """All valid dates in ``text`` as (position, ISO yyyy-mm-dd)."""
    out = []
    for m in _DATE_RE.finditer(text):
        iso = _parse_date(m)
        if iso:
            out.append((m.start(), iso))
    return out


def _head(text: str) -> str:
    return text[:HEAD_CHARS]


def _head_and_tail(text: str) -> list[str]:
    """The regions where header tables and colophons live, head first."""
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return [text]
    return [text[:HEAD_CHARS], text[-TAIL_CHARS:]]


# --------------------------------------------------------------------------------------------- title

# Lines on a first page that are never the title: page furniture, header-table labels, web chrome.
_NOT_TITLE_RE = re.compile(
    r"""^(?:
        \d+(?:\s*\(\d+\))?                     # page numbers "1", "1 (7)"
      | sida\s+\d+.*                            # "Sida 1 av 12"
      | (?:dokumenttyp|dokumentkategori|diarienummer|dnr|dnr\.|för\s+revidering|uppföljning|ansvarig\w*
        |dokumentansvarig|beslutsinstans|datum|version|sid|sidan|storlek|download|transkript|publicerad\w*
        |innehåll\w*|dela|skriv\s+ut|lyssna|meny|sök|kontakta\s+oss|hoppa\s+till.*|gå\s+direkt.*|startsida
        |giltighetstid|gäller\s+för)\b.*
      | (?:https?://|www\.)\S+                   # URLs
      | [\W\d_]+                               # no letters at all (dates, rules, bullets)
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Status words head a title ("Reviderad näringslivsstrategi") or a header-table row ("Antagen av KF ...").
_STATUS_LINE_RE = re.compile(
    r"^(?:fastställ\w*|antagen|antaget|beslutad\w*|reviderad\w*|uppdaterad\w*|senast\s+uppdaterad|giltig\w*"
    r"|gäller\w*|dokumentet\s+gäller)\b",
    re.IGNORECASE,
)
# A line with a date or a paragraph sign is metadata, not part of a title.
_METADATA_LINE_RE = re.compile(rf"§|{YEAR}-[01]\d-[0-3]\d|\b\d{{1,2}}\s+{_MONTH}\s+{YEAR}", re.IGNORECASE)
# Section headings that follow a title directly when there is no header table.
_SECTION_HEADINGS = frozenset(
    "förord inledning bakgrund syfte sammanfattning vision innehåll innehållsförteckning mål utgångspunkter".split()
)


def _not_title(line: str) -> bool:
    if _NOT_TITLE_RE.match(line) or _METADATA_LINE_RE.search(line):
        return True
    return bool(_STATUS_LINE_RE.match(line)) and not _TITLE_NOUN_RE.search(line)


# Words that make a line a likely title: the document types the inventory is about and their kin.
_TITLE_NOUN_RE = re.compile(
    r"(?:program|strategi|plan|policy|vision|riktlinje|handlingsprogram|agenda|inriktning|färdplan)",
    re.IGNORECASE,
)
# A title line is continued by these (its second line): lower-case start, a prepositional phrase, a period.
_CONTINUATION_RE = re.compile(rf"^(?:[a-zåäö]|(?:för|i|inom|med|och|till|mot)\s|{YEAR}(?:{_DASH}{YEAR})?\s*$|[-–]\s)")
# Abbreviations kept upper case when an all-caps title is turned into sentence case.
_KEEP_UPPER = {"EU", "KS", "KF", "RUS", "LUP", "IT", "IKT", "FN", "AB", "VGR", "GR", "SKR", "ÖP"}


def _is_shouting(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) / len(letters) > 0.8


def _sentence_case(title: str) -> str:
    """All-caps words -> lower case (abbreviations kept); first letter upper; "X kommun" keeps X's capital."""
    words = title.split()
    out = []
    for i, w in enumerate(words):
        nxt = words[i + 1].lower().strip(".,") if i + 1 < len(words) else ""
        # A municipality name: "ÖSTERSUNDS KOMMUN" -> "Östersunds kommun".
        is_name = nxt in {"kommun", "kommuns", "stad", "stads"}
        parts = []
        for part in w.split("-"):  # "EU-STRATEGI" -> "EU-strategi"
            core = part.strip(".,:;()–")
            if core in _KEEP_UPPER:
                parts.append(part)
            elif core.isupper() and len(core) > 1:
                parts.append(part.capitalize() if is_name else part.lower())
            else:
                parts.append(part)
        out.append("-".join(parts))
    s = " ".join(out)
    return s[:1].upper() + s[1:]


def find_title(first_page: str) -> str | None:
    """The document title from the first page's text, or None.

    Joins words hyphenated across lines, skips page furniture and header-table labels, prefers the first
    line naming a document type (program, strategi, plan, policy, ...) among the first lines, joins its
    continuation line ("Näringslivsprogram" + "för Nordmalings kommun") and turns all caps into sentence case.
    """
    text = unicodedata.normalize("NFC", dehyphenate(first_page.replace("\r", "")))
    lines = [re.sub(r"\s+", " ", ln).strip(" \t•·|") for ln in text.split("\n")]
    candidates = [
        (i, ln)
        for i, ln in enumerate(lines)
        if 3 <= len(ln) <= 160 and sum(c.isalpha() for c in ln) >= 3 and not _not_title(ln)
    ][:15]
    if not candidates:
        return None
    with_noun = [(i, ln) for i, ln in candidates if _TITLE_NOUN_RE.search(ln) and len(ln) <= 120]
    idx, title = with_noun[0] if with_noun else candidates[0]
    # The document-type word on the second line: "Värnamos kommuns" / "näringslivsprogram".
    prev = lines[idx - 1] if idx > 0 else ""
    if (
        prev
        and len(prev) <= 80
        and not _not_title(prev)
        and not prev.endswith((".", "!", "?", ":"))
        and (title[:1].islower() or prev.endswith(("–", "-", " och", " för")))
    ):
        title = f"{prev} {title}"
    shouting = _is_shouting(title)
    # A title set over two or three lines ("Näringslivsstrategi – Växtkraft" / "Vårgårda" / "2026–2030"):
    # join the lines that follow while they are short title material, not metadata, a heading or prose.
    for nxt in lines[idx + 1 : idx + 4]:
        is_period = re.match(rf"{YEAR}(?:{_DASH}{YEAR})?\b", nxt) is not None
        if (
            (re.search(rf"{YEAR}(?:{_DASH}{YEAR})?$", title) and not nxt.startswith(("–", "-")))
            or not nxt
            or len(title) + len(nxt) > 160
            or (_not_title(nxt) and not is_period)
            or nxt.lower() in _SECTION_HEADINGS
            or nxt.endswith((".", "!", "?"))
        ):
            break
        shouting_pair = _is_shouting(title) and _is_shouting(nxt) and not _TITLE_NOUN_RE.search(title)
        short = len(nxt) <= 40 and len(nxt.split()) <= 4
        if (
            _CONTINUATION_RE.match(nxt)
            or is_period
            or title.endswith((" för", " och", " i", "–", "-", ":"))
            or shouting_pair
            or short
        ):
            title = f"{title} {nxt}"
        else:
            break
    title = title.strip(" .,:;–-")
    if shouting or _is_shouting(title):
        title = _sentence_case(title)
    return title or None


# -------------------------------------------------------------------------------------------- period

_PERIOD_PLAUSIBLE_SPAN = 30  # years; "2015-2045" is a horizon, "1990-2060" is not a validity period

_YEARISH = rf"(?P<{{g}}>{YEAR})(?:[-.][01]\d[-.][0-3]\d)?"
_RANGE_RE = re.compile(
    rf"(?<![\d/:.-]){_YEARISH.format(g='a')}(?:{_DASH}|\s+till\s+(?:och\s+med\s+)?){_YEARISH.format(g='b')}"
    rf"(?!\d|[/:.]\d)"
)
_SHORT_RANGE_RE = re.compile(rf"(?<![\d/:.-])(?P<a>{YEAR})[-–](?P<b>\d\d)(?![\d/:.-])")
# "Genomförandeplan 2010 2011" (a title whose dash was lost): only right after a document-type word.
_SPACED_RANGE_RE = re.compile(
    rf"(?:program|strategi|plan|policy|vision)\w*[^\n.]{{0,60}}?\s(?P<a>{YEAR})\s+(?P<b>{YEAR})(?![\d-])",
    re.IGNORECASE,
)
_UNTIL_RE = re.compile(
    rf"(?:gäller|giltig\w*|gälla)\s+(?:som\s+längst\s+)?(?:till\s+och\s+med|t\.\s?o\.\s?m\.?|tom|till|intill)"
    rf"\s+(?:den\s+|år\s+|utgången\s+av\s+)?{_YEARISH.format(g='b')}(?![-.]?\d|{_DASH}(?:{YEAR}|tills))",
    re.IGNORECASE,
)
_FROM_RE = re.compile(
    rf"(?:gäller|giltig\w*|gälla)\s+(?:från\s+och\s+med|fr\.\s?o\.\s?m\.?|from|från)\s+(?:den\s+|år\s+)?"
    rf"{_YEARISH.format(g='a')}(?![-.]?\d|{_DASH}{YEAR})"
    rf"|(?<![\d-]){_YEARISH.format(g='a2')}{_DASH}tills\s+vidare",  # "2023-01-01 – tills vidare"
    re.IGNORECASE,
)
# Horizons: a single year after a document-type word ("Näringslivsstrategi 2035", "Vision 2030") or a
# target phrase ("fram till 2035", "med sikte mot 2030").
_HORIZON_TITLE_RE = re.compile(
    rf"(?:program|strategi|plan|policy|vision)\w*\s+(?:för\s+\w+(?:\s+(?:kommun|stad))?\s+)?"
    rf"(?:år\s+)?(?P<b>{YEAR})(?!\d|[/:.]\d|{_DASH}\d)",
    re.IGNORECASE,
)
_HORIZON_PHRASE_RE = re.compile(
    rf"(?:fram\s+till|med\s+sikte\s+(?:mot|på)|siktar\s+mot|sikte\s+mot)\s+(?:år\s+)?(?P<b>{YEAR})\b"
    rf"(?!\d|[/:.]\d|{_DASH}\d)",
    re.IGNORECASE,
)
# Context scores for a range: the words just before it say whether it is the document's validity.
_RANGE_CONTEXT_SCORES: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"(?:gäll\w*|giltig\w*|period\w*|sträcker\s+sig|avser|omfattar|för\s+åren|mellan)"
                r"\W*(?:\w+\W+){0,3}$", re.I), 3),
    (re.compile(r"(?:program|strategi|plan|policy|vision)\w*[^.!?\n]{0,60}\n?[^.!?\n]{0,40}$", re.I), 2),
    (re.compile(r"mandatperiod\w*\s*(?:\w+\s+)?$", re.I), -4),
    # the predecessor's period ("ersätter tidigare program från 2019–2022")
    (re.compile(r"(?:ersätter|ersatte|efterträder|tidigare|föregående|förra)\b[^.!?]{0,60}$", re.I), -4),
    # the regional development strategy's period ("RUS för Jönköpings län 2013–2025")
    (re.compile(r"(?:regional\w*|\bregion\s+\w+|\brus\b|länets|\blän\b)[^.!?]{0,60}$", re.I), -3),
    (re.compile(r"(?:agenda|år)\s*$", re.I), -2),
)  # fmt: skip
_EXTENDED_RE = re.compile(
    r"(?:gäll\w*|förläng\w*|giltig\w*)[^.!?]{0,100}?tills\s+vidare|tills\s+vidare[^.!?]{0,40}?(?:gäll\w*|förläng\w*)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _PeriodCandidate:
    start: int | None
    end: int | None
    score: int
    pos: int
    horizon: bool = False  # a single year after a document-type word: a horizon or an edition year


def _range_score(text: str, pos: int) -> int:
    before = text[max(0, pos - 80) : pos]
    score = 1 + sum(points for pattern, points in _RANGE_CONTEXT_SCORES if pattern.search(before))
    return score + (1 if pos < 300 else 0)


def _period_candidates(text: str) -> list[_PeriodCandidate]:
    found: list[_PeriodCandidate] = []
    for m in _RANGE_RE.finditer(text):
        a, b = int(m.group("a")), int(m.group("b"))
        if a <= b <= a + _PERIOD_PLAUSIBLE_SPAN:
            found.append(_PeriodCandidate(a, b, _range_score(text, m.start()), m.start()))
    for m in _SHORT_RANGE_RE.finditer(text):
        a = int(m.group("a"))
        b = a // 100 * 100 + int(m.group("b"))
        if a < b <= a + _PERIOD_PLAUSIBLE_SPAN:
            found.append(_PeriodCandidate(a, b, _range_score(text, m.start()) - 1, m.start()))
    for m in _SPACED_RANGE_RE.finditer(text):
        a, b = int(m.group("a")), int(m.group("b"))
        if a < b <= a + _PERIOD_PLAUSIBLE_SPAN:
            found.append(_PeriodCandidate(a, b, 2 + (1 if m.start() < 300 else 0), m.start("a")))
    for m in _UNTIL_RE.finditer(text):
        found.append(_PeriodCandidate(None, int(m.group("b")), 5, m.start()))
    for m in _FROM_RE.finditer(text):
        found.append(_PeriodCandidate(int(m.group("a") or m.group("a2")), None, 4, m.start()))
    for m in _HORIZON_TITLE_RE.finditer(text):
        score = 2 + (1 if m.start() < 300 else 0)
        found.append(_PeriodCandidate(None, int(m.group("b")), score, m.start("b"), horizon=True))
    for m in _HORIZON_PHRASE_RE.finditer(text):
        found.append(_PeriodCandidate(None, int(m.group("b")), 1, m.start("b"), horizon=True))
    return found


def find_period(text: str) -> tuple[int | None, int | None, bool]:
    """(valid_from, valid_to, extended) of the document, from its opening text.

    Ranges ("2015-2018", "2016–2020", "2017-01-31 – 2020-12-31"), end dates ("gäller till och med
    2020-12-31", "gäller som längst till 2022"), start dates ("gäller från och med 2019") and horizons
    ("Näringslivsstrategi 2035", "fram till 2030") are scored by context; the best wins (ties: ranges,
    then the earliest). A horizon or end date without a start takes the adoption year as its start when
    one is stated. ``extended`` is true for "förlängs att gälla tills vidare" / "gäller tills vidare".
    """
    head = _head(text)
    extended = bool(_EXTENDED_RE.search(head))
    candidates = [c for c in _period_candidates(head) if c.score > 0]
    if extended:
        # "gäller tills vidare" is the validity; "fram till 2027" then only names a goal year.
        candidates = [c for c in candidates if not (c.horizon and c.score <= 1)]
    if not candidates:
        # "Programmet antogs ... 2023-11-12 och gäller tills vidare": in force from its adoption.
        adopted = _find_adoption_event(text) if extended else None
        return (adopted.year if adopted else None), None, extended
    best = max(candidates, key=lambda c: (c.score, c.start is not None and c.end is not None, -c.pos))
    start, end = best.start, best.end
    # "NÄRINGSLIVSPROGRAM 2021–2025 ... gäller till och med 2025-12-31": the end date is the stronger
    # statement, the title range with the same end supplies the start (and vice versa).
    if (start is None) != (end is None):
        agreeing = [
            c
            for c in candidates
            if c.start is not None and c.end is not None and (c.end == end if start is None else c.start == start)
        ]
        if agreeing:
            partner = max(agreeing, key=lambda c: (c.score, -c.pos))
            start, end = partner.start, partner.end
    if start is None and end is not None:
        # "I mars 2017 antog kommunfullmäktige en strategi som sträcker sig fram till 2020" -> 2017-2020.
        adopted = _find_adoption_event(text)
        if adopted and adopted.year and best.horizon and end <= adopted.year + 1:
            # "Tillväxtprogram 2023", adopted 2023: an edition year, not a horizon.
            start, end = end, None
        elif adopted and adopted.year and adopted.year <= end <= adopted.year + _PERIOD_PLAUSIBLE_SPAN:
            start = adopted.year
    return start, end, extended


# ------------------------------------------------------------------------------------------ adoption

# Deciding bodies and how they are reported (value). Order matters: longer names first.
ADOPTING_BODIES: tuple[tuple[str, str | None], ...] = (
    (r"kommunstyrelsens\s+arbetsutskott|ksau", "kommunstyrelsens arbetsutskott"),
    (r"kommunfullmäktige|stadsfullmäktige|kf", "kommunfullmäktige"),
    (r"kommunstyrelsen|stadsstyrelsen|ks", "kommunstyrelsen"),
    (r"regionfullmäktige|landstingsfullmäktige", "regionfullmäktige"),
    (r"regionstyrelsen", "regionstyrelsen"),
    (r"förbundsfullmäktige|förbundsstyrelsen|förbundsdirektionen|direktionen", None),
    (r"(?:[a-zåäö]+a\s+)?[a-zåäö]*(?:-\s?och\s[a-zåäö]+)?nämnden", None),  # "tekniska nämnden", "byggnämnden"
    (r"partnerskapet|styrgruppen|styrelsen|fullmäktige", None),
)
_BODY = "(?P<body>" + "|".join(p for p, _ in ADOPTING_BODIES) + r")(?:s\s+(?:möte|sammanträde))?\b"
_VERB = (
    r"(?:antog|antogs|antagit|antagits|antagen|antaget|antagna|antas|fastställ(?:de|des|t|d|da|ts|it)"
    r"|beslutade|beslutades|beslutat|beslutats|klubbade|klubbades|godkände|godkändes|godkänd|godkänt)"
)
# (pattern, needs the body) in order of trust; all case-insensitive and bounded to one sentence.
_ADOPTION_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        rf"\b{_VERB}\s+(?:(?:av|i|på|vid)\s+)?(?:den\s+)?{_BODY}",  # "Antagen av kommunfullmäktige", "Fastställt KF"
        rf"\b{_VERB}\b[^.!?]{{0,70}}?\b(?:av|i|på|vid)\s+(?:sitt\s+möte\s+i\s+)?{_BODY}",  # "antogs ... av KS"
        rf"(?<![\w-]){_BODY}[^.!?]{{0,45}}?\b{_VERB}\b",  # "Kommunfullmäktige antog", "KF den 17 juni beslutade"
        rf"\btog\s+{_BODY}\s+beslut\b",  # "tog Kommunstyrelsen beslut"
    )
)
# Without a named body: the date alone ("Antagen 2017-04-10 § 41", "I september 2020 antogs ...").
_BODILESS_VERB_RE = re.compile(
    r"\b(?:antog|antogs|antagen|antaget|antagits|fastställd|fastställt|fastställdes)\b", re.IGNORECASE
)
_PARAGRAPH_RE = re.compile(r"§\s?(\d{1,4})\b")
# "KS 2019/123" looks like a body plus a year: an abbreviation followed by a diarienummer is not a body.
_ABBREV_DNR_RE = re.compile(r"^\s*/?\s*\d{4}\s*[/:]|^\s*/?\s*\d{4}-\d{3,}")


@dataclass(frozen=True)
class _Adoption:
    body: str | None
    date: str | None
    year: int | None
    paragraph: str | None
    pos: int


def _normalise_body(raw: str) -> str:
    raw = re.sub(r"\s+", " ", raw.lower())
    raw = re.sub(r"s (?:möte|sammanträde)$", "", raw)
    for pattern, value in ADOPTING_BODIES:
        if re.fullmatch(pattern, raw):
            return value or raw
    return raw


def _sentence_window(text: str, start: int, end: int, before: int = 60, after: int = 70) -> tuple[int, int]:
    lo, hi = max(0, start - before), min(len(text), end + after)
    left = max(text.rfind(". ", lo, start), text.rfind("\n\n", lo, start))
    right_candidates = [i for i in (text.find(". ", end, hi), text.find("\n\n", end, hi)) if i != -1]
    return (left + 1 if left != -1 else lo), (min(right_candidates) if right_candidates else hi)


def _details_near(text: str, start: int, end: int) -> tuple[str | None, int | None, str | None]:
    lo, hi = _sentence_window(text, start, end)
    window = text[lo:hi]
    center = start - lo
    dates = find_dates(window)
    date = min(dates, key=lambda d: abs(d[0] - center))[1] if dates else None
    year = int(date[:4]) if date else None
    if year is None:
        my = _MONTH_YEAR_RE.search(window)
        bare = _YEAR_RE.search(window[max(0, center - 25) : center + (end - start) + 25])
        year = int(my.group("y")) if my else (int(bare.group(0)) if bare else None)
    para_m = _PARAGRAPH_RE.search(text, end, min(len(text), end + 60))
    return date, year, (f"§ {para_m.group(1)}" if para_m else None)


@functools.lru_cache(maxsize=8)  # find_period and find_adoption both ask, for the same text
def _find_adoption_event(text: str) -> _Adoption | None:
    for region_start, region in _regions_with_offsets(text):
        matches = []
        for pattern in _ADOPTION_PATTERNS:
            for m in pattern.finditer(region):
                raw = m.group("body")
                if raw.lower() in {"ks", "kf", "ksau"} and (
                    pattern is not _ADOPTION_PATTERNS[0]
                    or not raw.isupper()
                    or _ABBREV_DNR_RE.match(region[m.end("body") :])
                ):
                    continue  # "KS" counts only right after the verb ("Antagen KF"), never "KS 2019/123"
                matches.append((m.start(), m.end(), _normalise_body(raw)))
                break  # the first match of each pattern is enough; the earliest pattern hit wins below
        if matches:
            start, end, body = min(matches)
            date, year, paragraph = _details_near(region, start, end)
            return _Adoption(body, date, year, paragraph, region_start + start)
        for m in _BODILESS_VERB_RE.finditer(region):
            date, year, paragraph = _details_near(region, m.start(), m.end())
            if date or year:
                return _Adoption(None, date, year, paragraph, region_start + m.start())
    return None


def _regions_with_offsets(text: str) -> list[tuple[int, str]]:
    regions = _head_and_tail(text)
    if len(regions) == 1:
        return [(0, regions[0])]
    return [(0, regions[0]), (len(text) - TAIL_CHARS, regions[1])]


def find_adoption(text: str) -> tuple[str | None, str | None, str | None]:
    """(body, ISO date, paragraph) of the decision that adopted the document, from its head or colophon.

    ``body`` is "kommunfullmäktige" (also for KF, stadsfullmäktige), "kommunstyrelsen" (KS), or the other
    body's name as written in lower case ("kommunstyrelsens arbetsutskott", "tekniska nämnden",
    "partnerskapet"); None when no adoption is stated. The first adoption statement in the text wins.
    """
    event = _find_adoption_event(text)
    if event is None:
        return None, None, None
    return event.body, event.date, event.paragraph


# ------------------------------------------------------------------------------------- diarienummer

_DNR_VALUE = r"(?P<dnr>(?:[A-ZÅÄÖ][A-Za-zÅÄÖåäö]{0,5}[ ./-]?)?\d{2,4}(?:[/:.-]\d{1,6}){1,3})"
_DNR_LABELLED_RE = re.compile(
    rf"\b(?:diarienummer|diarienr|dnr|ärendenummer|ärendenr|beteckning)\s*[.:|]?\s*(?:nr\.?\s*)?{_DNR_VALUE}",
    re.IGNORECASE,
)
# Unlabelled, only with a typical office prefix: "KS 2019/123", "Ks 2007:391", "KS 2022-00686".
_DNR_PREFIXED_RE = re.compile(
    r"\b(?P<dnr>(?:KS|Ks|KF|KLK|KSF|KSU)[ .]?\d{4}(?:[/:]\d{1,6}|-\d{3,6})(?:[/:.-]\d{1,6})?)\b"
)
_ISO_DATE_FULL_RE = re.compile(rf"^{YEAR}-[01]\d-[0-3]\d$")


def find_diarienummer(text: str) -> str | None:
    """The registration number ("KS 2019/123", "2015-608-003", "Ks 2007:391"), labelled or prefixed."""
    for region in _head_and_tail(text):
        for pattern in (_DNR_LABELLED_RE, _DNR_PREFIXED_RE):
            for m in pattern.finditer(region):
                value = re.sub(r"\s+", " ", m.group("dnr")).strip(" .")
                if not _ISO_DATE_FULL_RE.match(value):
                    return value
    return None


# -------------------------------------------------------------------------------------------- drafts

# Marker words and where they count: "in a short line" (a cover line, a heading, a header-table row) for
# words that are rarely a passing mention, "line start" for "förslag" and "utkast", which are also everyday
# words. Either counts anywhere on the first page when set in capitals ("FÖRSLAG").
DRAFT_MARKERS: tuple[tuple[str, str], ...] = (
    ("remissversion", "short line"),
    ("remissupplaga", "short line"),
    ("remissutgåva", "short line"),
    ("remisshandling", "short line"),
    ("remissförslag", "short line"),
    ("samrådshandling", "short line"),
    ("samrådsversion", "short line"),
    ("granskningshandling", "short line"),
    ("utkast", "line start"),
    ("förslag", "line start"),
    ("arbetsmaterial", "line start"),
    ("preliminär version", "line start"),
)
FIRST_PAGE_CHARS = 1500
SHORT_LINE_CHARS = 120
_NOT_A_DRAFT_RE = re.compile(r"förslag\s+till\s+beslut|förslag\s+på\s+|förslagslåda", re.IGNORECASE)


def find_draft_marker(text: str) -> str | None:
    """The draft marker on the first page or in the title ("förslag", "utkast", "remissversion", ...).

    A marker counts on a cover line, heading or header-table row ("Remissversion 2023-03-01", "Status:
    Samrådshandling"), at the start of a short line ("Förslag till näringslivsprogram") or in capitals
    ("FÖRSLAG"); not in a passing sentence ("förslag på aktiviteter", "arbetar med en samrådshandling som
    ska beskriva ...").
    """
    page = text.split("\f", 1)[0][:FIRST_PAGE_CHARS]
    lines = [ln.strip(" \t•-–") for ln in page.split("\n")]
    for marker, where in DRAFT_MARKERS:
        word = re.compile(rf"(?<!\w){marker}(?!\w)", re.IGNORECASE)
        shouting = re.compile(rf"(?<!\w){marker.upper()}(?!\w)")
        for ln in lines:
            if shouting.search(ln):
                return marker
            if len(ln) > SHORT_LINE_CHARS or _NOT_A_DRAFT_RE.match(ln):
                continue
            if where == "short line" and word.search(ln) and not ln.endswith("."):
                return marker
            if where == "line start" and word.match(ln) and len(ln) <= 90:
                return marker
    return None


# ------------------------------------------------------------------------------------------ revision

_REVISION_RE = re.compile(
    r"\b(?:senast\s+)?(?:reviderad|reviderat|reviderades|revidering|rev\.|uppdaterad|uppdaterat|uppdaterades)"
    r"\s*(?:den|:|,|senast)?\s*(?:den\s+)?",
    re.IGNORECASE,
)


def find_revision_date(text: str) -> str | None:
    """The revision or update date ("Reviderad 2019-05-12", "Senast uppdaterad: 17 februari 2023")."""
    for region in _head_and_tail(text):
        for m in _REVISION_RE.finditer(region):
            dm = _DATE_RE.match(region, m.end())
            if dm:
                iso = _parse_date(dm)
                if iso:
                    return iso
    return None


# ------------------------------------------------------------------------------------------ language

# Frequent function words that tell the Nordic languages and English apart (shared words left out:
# "det", "som", "har", "med", "vi" are Swedish, Norwegian and Danish alike).
LANGUAGE_MARKERS: dict[str, frozenset[str]] = {
    "sv": frozenset("och att är för inte från också eller hur kommer ska vara detta skulle där än när".split()),
    "no": frozenset("og ikke er for av fra også eller hvordan blir skal være dette ble hva mye noe gjennom".split()),
    "da": frozenset("og ikke er af fra også eller hvordan bliver skal være dette blev hvad meget nogle gennem".split()),
    "fi": frozenset("ja on että ei ovat sekä tai kuin myös kunta kunnan joka jotka ole tämä mutta".split()),
    "en": frozenset("the and of to is are for that with this from be by will which".split()),
}
_WORD_RE = re.compile(r"[a-zåäöæøéü]+")


def detect_language(text: str) -> str | None:
    """ "sv", "no", "da", "fi" or "en" by function-word counts, or None for too little text."""
    words = _WORD_RE.findall(text[:20000].lower())
    if len(words) < 8:
        return None
    counts = Counter(words)
    scores = {lang: sum(counts[w] for w in markers) for lang, markers in LANGUAGE_MARKERS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    if scores[best] < 3 or scores[best] / len(words) < 0.03:
        return None
    return best
