"""crawler.site: a municipality's hosts and the rules for admitting the links of a page (issue 16 item 1)."""

from __future__ import annotations

from crawler.config import CrawlConfig
from crawler.frontier import LinkInfo
from crawler.pagescan import Link, PageScan
from crawler.site import SiteState
from inventory.municipalities import Municipality


def _state(website: str, alt_hosts: tuple[str, ...] = ()) -> SiteState:
    muni = Municipality("0001", "Testby", "01", "Testlän", website, alt_hosts)
    state = SiteState.new(muni, CrawlConfig(allow_private_addresses=True))
    state.seed()
    return state


def test_an_ipv6_literal_website_is_its_own_host() -> None:
    state = _state("http://[::1]:8080/", alt_hosts=("[::2]:8080",))
    assert state.hosts == {"::1", "::2"}
    url, info = state.frontier.pop() or ("", None)
    assert url == "http://[::1]:8080/" and info is not None and info.anchor == "start"


def test_one_bad_link_never_costs_the_page() -> None:
    state = _state("http://[::1]:8080/")
    page, _ = state.frontier.pop() or ("", None)
    scan = PageScan(title="Start", links=[
        Link("http://[::1]:8080/naringsliv/naringslivsprogram.pdf", "Näringslivsprogram"),
        Link("http://[::1/broken", "Trasig länk"),  # urlsplit refuses it: Invalid IPv6 URL
        Link("http://[::1]:99999/x", "Port utanför intervallet"),
        Link("http://[::1]:8080/naringsliv/", "Näringsliv och arbete"),
    ])
    admitted = state.admit_all(scan, page, LinkInfo(score=1000.0, kind="page", anchor="start"))
    assert admitted == 2
    assert state.counts.errors["bad_link"] == 2
    popped = {state.frontier.pop()[0] for _ in range(len(state.frontier))}  # type: ignore[index]
    assert popped == {"http://[::1]:8080/naringsliv/naringslivsprogram.pdf", "http://[::1]:8080/naringsliv/"}
