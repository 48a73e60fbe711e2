"""The link and page signals of the focused crawler, as data.

Each row: where the signal is looked for, the folded pattern (lower case, å/ä→a, ö→o; regex),
its weight, and its tier (1 = the programme itself, 2 = hubs that lead to it, 3 = context boosts,
0 = penalties). Ranked from ../shared/research/municipal-web.md §3. Weights were tuned on the simulated
web (bench/bench_crawl.py); change them here, never in code.

Places: ``anchor`` (link text, title attribute, file name in the link), ``url`` (folded path+query),
``context`` (title/breadcrumb/heading of the page that holds the link), ``block`` (heading of the
block around the link, e.g. "Dokument"), ``host`` (host name of an off-site link).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Signal:
    name: str
    place: str
    pattern: re.Pattern[str]
    weight: float
    tier: int


def _s(name: str, place: str, pattern: str, weight: float, tier: int) -> Signal:
    return Signal(name, place, re.compile(pattern), weight, tier)


# Target terms after folding. Written as regexes over folded text; substrings on purpose, because
# Sitevision concatenates slugs ("lokalnaringslivsstrategi", "tillvaxtprogram2040").
TIER1_TERMS = (
    r"naringslivsprogram|naringslivsstrategi|tillvaxtprogram|tillvaxtstrategi|naringslivsplan"
    r"|naringslivspolic|plan.{0,5}for.{0,5}naringslivsutveckling|handlingsplan.{0,5}for.{0,5}naringsliv"
    r"|battre.{0,3}foretagsklimat|tillvaxt.{0,5}och.{0,5}naringslivs"
    # "Program för hållbar tillväxt", "Policy för näringslivsutveckling", "Strategi för näringsliv och …"
    r"|(?:program|strategi|plan|policy)\s?for\s?(?:[a-z]+\s?){0,2}(?:naringsliv|tillvaxt)"
)
BUSINESS_HUB = (
    r"naringsliv|foretagande|foretagare|foretag.{0,5}och.{0,5}naringsliv|starta.{0,5}och.{0,5}driva"
    r"|foretagsklimat|utveckling.{0,5}och.{0,5}projekt|naringslivsutveckling|jobb.{0,6}foretag|foretagsservice"
    r"|foretagslots"
)
GOVERNANCE_HUB = (
    r"styrdokument|styrande.{0,3}dokument|forfattningssamling|planer.{0,5}och.{0,5}program"
    r"|strategiska.{0,3}dokument|regelverk|policyer|strategier|^program$"
)
GOVERNANCE_PARENT = (
    r"kommun.{0,6}politik|kommunochpolitik|organisation.{0,5}och.{0,5}styrning|politik.{0,5}och.{0,5}forvaltning"
    r"|mer.{0,3}om.{0,3}kommunen|kommun.{0,5}och.{0,5}demokrati"
)
DOC_SHAPE = (
    r"/download/18\.|/globalassets/|/contentassets/|/siteassets/|/wp-content/uploads/|/media/"
    r"|/upload/|\.pdf(?:$|[/?])|\.docx?(?:$|[/?])|/download$"
)
UNLIKELY_SECTION = (
    r"skola|forskola|omsorg|bygglov|avfall|vatten.{0,5}avlopp|kultur|fritid|evenemang|kalender|lediga.{0,3}jobb"
    r"|protokoll|kallelse|anslagstavla|diarium|lattlast|in.english|other.languages|languages|readspeaker"
    r"|facebook|linkedin|instagram|twitter|youtube|cookie|tillganglighet|personuppgift|kontakt|lyssna|^dela\b"
    r"|sharer|share-offsite|rsent"
)
NEWS = r"nyhet|/arkiv|ledningsblogg|/news|pressmeddelande|\.5\.[0-9a-f]{6,}"
DECOY = (
    r"region|lansstyrelse|ranking|uppfoljning|arsrapport|remiss|forslag|utkast|samrad|protokoll|tjansteskrivelse"
    r"|besoksnaring|handel|landsbygdsprogram|oversiktsplan"
)

SIGNALS: tuple[Signal, ...] = (
    # Tier 1: direct hits.
    _s("t1_anchor", "anchor", TIER1_TERMS, 120.0, 1),
    _s("t1_url", "url", TIER1_TERMS, 90.0, 1),
    _s("t1_year", "anchor", r"20\d\d(?:\s*[-–]\s*20\d\d)?", 8.0, 3),
    _s("t1_adopted", "anchor", r"antagen|faststalld", 5.0, 3),
    _s("doc_shape", "url", DOC_SHAPE, 6.0, 3),
    _s("doc_suffix", "anchor", r"\bpdf\b.{0,3}\d|\(pdf|\bdocx?\b", 6.0, 3),
    # Tier 2: hubs.
    _s("business_anchor", "anchor", BUSINESS_HUB, 45.0, 2),
    _s("business_url", "url", r"naringsliv|foretag", 30.0, 2),
    _s("governance_anchor", "anchor", GOVERNANCE_HUB, 40.0, 2),
    _s("governance_url", "url", r"styrdokument|styrande-dokument|forfattningssamling|strategiska-dokument", 30.0, 2),
    _s("governance_parent_anchor", "anchor", GOVERNANCE_PARENT, 32.0, 2),
    _s("governance_parent_url", "url",
       r"kommun-{1,2}(?:och-)?politik|kommunochpolitik|organisation|politik-och-forvaltning|mer-om-kommunen"
       r"|kommunpolitik", 12.0, 2),
    # Tier 3: context.
    _s("document_block", "block", r"dokument|filer|bilagor|relaterade", 15.0, 3),
    _s("context_business", "context", r"naringsliv|tillvaxt|styrdokument|styrande dokument|foretag", 12.0, 3),
    _s("context_target", "context", TIER1_TERMS, 20.0, 3),
    _s("offsite_marker", "anchor", r"lank.{0,4}till.{0,4}annan.{0,4}webbplats|extern.{0,3}lank", 20.0, 3),
    _s("brand_host", "host", r"business|naringsliv|invest|foretag", 20.0, 3),
    # Penalties (crawl priority; selection is the classifier's job).
    _s("unlikely_anchor", "anchor", UNLIKELY_SECTION, -45.0, 0),
    _s("unlikely_url", "url", UNLIKELY_SECTION, -35.0, 0),
    _s("news", "url", NEWS, -30.0, 0),  # drafts and announcements live here: visit late
    _s("decoy_anchor", "anchor", DECOY, -8.0, 0),
    _s("trap_params", "url", r"sv\.url|sv\.target|open\.12_|state=|jsessionid|print=|aspxautodetectcookie", -60.0, 0),
)

# Score thresholds used by the spider.
TIER1_SCORE = 80.0  # a link at or above this is a direct hit: follow at once and save as candidate
OFFSITE_MIN_SCORE = 60.0  # an off-site link's anchor must reach this (Tier-1 term, or business + marker/brand)
MIN_FOLLOW_SCORE = -40.0  # below this a link is never fetched
# Per click from the home page, off a link's score: among equally promising pages of a section the shallow
# ones (its sub-sections) come before the deep leaves of one of them (chosen on the training-part real web).
DEPTH_PENALTY = 3.0
# A business-promotion host is business through and through: its links get what "naringsliv" in a URL gets.
BUSINESS_HOST_BONUS = 30.0
# Search terms sent to the site's own search (it usually indexes PDF text and finds orphans).
# Five queries cover the term variants of municipal-web.md §1.3 (site search matches substrings of
# titles and, often, PDF text).
SEARCH_TERMS: tuple[str, ...] = ("näringslivsprogram", "näringslivsstrategi", "tillväxt", "näringslivsutveckling",
                                 "företagsklimat")
