"""Per-municipality crawl outcome: status and reason code from counts (pure).

| status                  | when                                                                      |
|-------------------------|---------------------------------------------------------------------------|
| found                   | at least one Tier-1 candidate was saved (and no better link was disallowed) |
| blocked_by_robots       | the home page is disallowed, or the best Tier-1 link is, and it outscores   |
|                         | every candidate saved; or robots.txt answered 5xx/429 (RFC 9309)          |
| site_unreachable        | no host of the municipality answered (DNS, refused, timeouts)             |
| blocked_by_server       | the site answered, but mostly 403/429 that never let up                   |
| not_found_within_budget | the crawl ended (budget, empty frontier, no progress) without a hit       |
| error                   | an internal error stopped this municipality (reason says which), or the  |
|                         | run's byte budget did before anything was found                           |
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# Transport failures by exception class name -> the reason code recorded per fetch and outcome.
ERROR_NAMES = {
    "DNSLookupError": "dns", "ConnectionRefusedError": "refused", "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout", "ResponseNeverReceived": "dropped", "ConnectionLost": "dropped",
    "ConnectionDone": "dropped", "ResponseFailed": "dropped", "CancelledError": "too_large",
    "DownloadCancelledError": "too_large", "ConnectError": "refused", "NoRouteError": "refused",
    # Scrapy >= 2.14 wraps transport errors in its own classes
    "DownloadConnectionRefusedError": "refused", "CannotResolveHostError": "dns", "DownloadTimeoutError": "timeout",
    "DownloadFailedError": "dropped", "ResponseDataLossError": "dropped",
}


# Scrapy refuses some answers with a bare IgnoreRequest; its message says which (part of message -> code).
IGNORED_MESSAGES = (
    ("max redirections", "redirect_loop"),  # RedirectMiddleware: REDIRECT_MAX_TIMES hops
    ("during decompression", "decompression_bomb"),  # HttpCompressionMiddleware: inflated past DOWNLOAD_MAXSIZE
)


def error_code(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "IgnoreRequest":
        text = str(exc)
        return next((code for part, code in IGNORED_MESSAGES if part in text), "ignored")
    return ERROR_NAMES.get(name, name)




@dataclass
class SiteCounts:
    requests: int = 0
    responses: int = 0  # any HTTP response
    ok_responses: int = 0  # 2xx/304
    tier1_candidates: int = 0
    home_robots_blocked: bool = False
    tier1_robots_blocked: int = 0
    best_blocked_score: float = float("-inf")  # best link score among robots-disallowed Tier-1 links
    best_candidate_score: float = float("-inf")  # best link score among Tier-1 candidates saved
    server_refusals: int = 0  # 403, 429 (after retries), 401
    errors: Counter[str] = field(default_factory=Counter)  # dns, refused, timeout, dropped, ...
    # budget_exhausted | byte_budget_exhausted | run_byte_budget_exhausted | frontier_exhausted | no_progress |
    # hit_done
    stop_reason: str = "frontier_exhausted"
    internal_error: str | None = None
    robots_unavailable: str | None = None  # why the home page's robots.txt could not be had (RFC 9309 disallow)


def decide(c: SiteCounts) -> tuple[str, str]:
    """Return (status, reason)."""
    if c.internal_error:
        return "error", c.internal_error
    if c.stop_reason == "run_byte_budget_exhausted" and not c.tier1_candidates:
        return "error", c.stop_reason  # cut off (or never started) by the run's budget: not searched
    if c.tier1_candidates:
        if c.tier1_robots_blocked and c.best_blocked_score > c.best_candidate_score:
            return "blocked_by_robots", "target_disallowed"
        # Candidates were saved, but a Tier-1 link was disallowed: the classifier decides; say so.
        return "found", "tier1_link_disallowed" if c.tier1_robots_blocked else c.stop_reason
    if c.home_robots_blocked and c.ok_responses == 0:
        if c.robots_unavailable is None:
            return "blocked_by_robots", "home_disallowed"
        if c.robots_unavailable.startswith("http_"):  # the server answered, but not with its rules
            return "blocked_by_robots", "robots_unavailable"
        return "site_unreachable", c.robots_unavailable  # robots.txt met a timeout, DNS failure, ...
    if c.responses == 0:
        top = c.errors.most_common(1)
        return "site_unreachable", top[0][0] if top else "no_response"
    if c.tier1_robots_blocked:
        return "blocked_by_robots", "target_disallowed"
    if c.server_refusals and c.server_refusals * 2 >= c.responses and c.ok_responses <= 1:
        return "blocked_by_server", "http_403_or_429"
    return "not_found_within_budget", c.stop_reason
