"""crawler/outcome.py: the per-municipality status and reason from counts."""

from __future__ import annotations

from collections import Counter

import pytest

from crawler.outcome import SiteCounts, decide, error_code


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (SiteCounts(responses=5, ok_responses=5, tier1_candidates=1, stop_reason="hit_done"), ("found", "hit_done")),
        (SiteCounts(responses=5, ok_responses=5, tier1_candidates=1, tier1_robots_blocked=1, best_blocked_score=300,
                    best_candidate_score=200), ("blocked_by_robots", "target_disallowed")),
        (SiteCounts(responses=5, ok_responses=5, tier1_candidates=1, tier1_robots_blocked=1, best_blocked_score=100,
                    best_candidate_score=200), ("found", "tier1_link_disallowed")),
        (SiteCounts(home_robots_blocked=True), ("blocked_by_robots", "home_disallowed")),
        (SiteCounts(errors=Counter(dns=2, refused=1)), ("site_unreachable", "dns")),
        (SiteCounts(responses=3, server_refusals=3), ("blocked_by_server", "http_403_or_429")),
        (SiteCounts(responses=40, ok_responses=40, stop_reason="budget_exhausted"),
         ("not_found_within_budget", "budget_exhausted")),
        (SiteCounts(responses=4, ok_responses=4, tier1_robots_blocked=1), ("blocked_by_robots", "target_disallowed")),
        (SiteCounts(internal_error="KeyError"), ("error", "KeyError")),
    ],
)
def test_decide(counts: SiteCounts, expected: tuple[str, str]) -> None:
    assert decide(counts) == expected


def test_error_codes_cover_scrapy_and_twisted_names() -> None:
    from scrapy.exceptions import DownloadConnectionRefusedError, DownloadTimeoutError
    from twisted.internet.error import DNSLookupError

    assert error_code(DownloadConnectionRefusedError()) == "refused"
    assert error_code(DownloadTimeoutError()) == "timeout"
    assert error_code(DNSLookupError()) == "dns"
    assert error_code(ValueError()) == "ValueError"
