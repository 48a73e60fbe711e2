"""The domain's vocabulary, defined once: statuses, labels, programme types, roles, routes, host kinds.

Every stage and the application name these things by the codes below (the CSV contract, docs/outputs.md);
Swedish words for people are the publishing stage's (``publish/swedish.py``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Status:
    name: str
    reached: bool  # the site answered and we could look for (and read) the programme
    programme: bool  # a programme document was identified (in force or not)
    label_sv: str


# The inventory statuses, in the order outputs list them. "Reached" excludes every status where we could
# not look: robots.txt forbidding the pages we needed means we never saw them, so it is not a "no".
STATUSES: tuple[Status, ...] = (
    Status("program_found", True, True, "Program hittat"),
    Status("no_program_found", True, False, "Inget program hittat"),
    Status("draft_only", True, False, "Endast utkast/förslag"),
    Status("expired_only", True, True, "Endast utgånget program"),
    Status("site_unreachable", False, False, "Webbplatsen kunde inte nås"),
    Status("blocked_by_robots", False, False, "Stoppad av robots.txt"),
    Status("blocked_by_server", False, False, "Stoppad av servern (403/429)"),
    # A document that looks like the programme is a scan that could not be read (no OCR): not a "no".
    Status("needs_ocr", False, False, "Programmet är en skannad PDF som inte kunde läsas"),
    Status("error", False, False, "Fel vid insamlingen"),
)
STATUS_NAMES = tuple(s.name for s in STATUSES)
REACHED_STATUSES = frozenset(s.name for s in STATUSES if s.reached)
PROGRAMME_STATUSES = frozenset(s.name for s in STATUSES if s.programme)
# The statuses a programme choice gives (classify.select); the others come from the crawl or the pipeline.
SELECTION_STATUSES = ("program_found", "draft_only", "expired_only", "no_program_found")
# Crawl outcomes that end a municipality before any document can be judged (they share the status name).
CRAWL_FAILURES = frozenset({"site_unreachable", "blocked_by_server", "error"})

# The crawl's own outcome per municipality (crawler.outcome), in run_municipalities.status.
CRAWL_STATUSES = ("found", "not_found_within_budget", "blocked_by_robots", "site_unreachable", "blocked_by_server",
                  "error")

# The six tags of a programme, in the order of the contract columns; regional_category is derived from the
# first two (rus > intermunicipal > none).
TAGS = ("rus_link", "intermunicipal_link", "action_plan", "sustainability", "business_collaboration",
        "annual_activities")
# The tags the published statistics count over the programmes in force (the links go by regional category).
COUNTED_TAGS = ("action_plan", "sustainability", "business_collaboration", "annual_activities")
PROGRAM_TYPES = ("naringsliv", "tillvaxt", "annat")
REGIONAL_CATEGORIES = ("none", "rus", "intermunicipal")

# What a candidate document is for the municipality's programme (classify.select, documents.csv).
ROLES = ("program", "action_plan", "older_version", "draft", "not_program", "expired", "not_started",
         "other_municipality", "duplicate", "too_little_text")
# How the crawl reached a document (found_via).
ROUTES = ("link", "search", "sitemap", "offsite")
# Where a document sits (classify.document): the municipality's own host, its business-promotion host,
# anybody else's, or a transcript site that hides the publisher.
HOST_KINDS = ("own", "business", "other", "unknown")


def regional_category(rus: bool, intermunicipal: bool) -> str:
    return "rus" if rus else "intermunicipal" if intermunicipal else "none"
