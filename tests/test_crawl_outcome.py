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


def test_bombs_and_loops_get_reason_codes_not_an_exception_name() -> None:
    """Issue 16 item 7: Scrapy's bare IgnoreRequest is read by its message (outcome.IGNORED_MESSAGES)."""
    from scrapy.exceptions import IgnoreRequest

    assert error_code(IgnoreRequest("max redirections reached")) == "redirect_loop"
    bomb = ("Ignored response <200 http://a.se/> because its body (40 B compressed, 52428801 B decompressed so far) "
            "exceeded DOWNLOAD_MAXSIZE (52428800 B) during decompression.")
    assert error_code(IgnoreRequest(bomb)) == "decompression_bomb"
    assert error_code(IgnoreRequest("something new")) == "ignored"


def test_robots_txt_that_could_not_be_had_decides_by_why() -> None:
    served = SiteCounts(home_robots_blocked=True, robots_unavailable="http_503")
    assert decide(served) == ("blocked_by_robots", "robots_unavailable")
    timed_out = SiteCounts(home_robots_blocked=True, robots_unavailable="timeout")
    assert decide(timed_out) == ("site_unreachable", "timeout")
