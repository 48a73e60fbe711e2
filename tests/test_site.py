"""crawler.site: a municipality's hosts and the rules for admitting the links of a page (issue 16 item 1)."""

from __future__ import annotations

from pathlib import Path

from base.municipalities import Municipality
from base.settings import CrawlSettings
from crawler.frontier import LinkInfo
from crawler.pagescan import Link, PageScan
from crawler.site import SiteState


def _state(website: str, alt_hosts: tuple[str, ...] = ()) -> SiteState:
    muni = Municipality("0001", "Testby", "01", "Testlän", website, alt_hosts)
    state = SiteState.new(muni, CrawlSettings(allow_private_addresses=True))
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


# -- byte budgets and the HTML cut (issue 16 item 7): real crawls of a local site ---------------------------
def _heavy_site(pdfs: int, size: int) -> dict[str, object]:
    from crawlserver import page

    links = [(f"/dokument/naringslivsprogram-{i}.pdf", f"Näringslivsprogram del {i}") for i in range(pdfs)]
    routes: dict[str, object] = {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
                                 "/": page("Testby kommun", *links)}
    for href, _ in links:
        routes[href] = (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n" + b"0" * size + b"\n%%EOF\n")
    return routes


def test_the_municipality_byte_budget_stops_a_flood(tmp_path: Path) -> None:
    from crawlserver import SiteServer, crawl_site

    with SiteServer(_heavy_site(12, 300_000)) as site:  # type: ignore[arg-type]
        result = crawl_site(site, tmp_path, max_bytes_per_municipality=1_000_000, use_sitemaps=False)
    assert result.outcome["detail"]["stop"] == "byte_budget_exhausted"
    assert result.outcome["reason"] == "byte_budget_exhausted"
    assert 1_000_000 <= result.outcome["bytes_downloaded"] < 1_400_000
    assert result.outcome["requests"] <= 6


def test_the_run_byte_budget_stops_the_run_and_says_so_per_municipality(tmp_path: Path) -> None:
    from crawlserver import SiteServer

    from base.store import Store
    from crawler.run import crawl

    db = f"sqlite:///{tmp_path}/run.db"
    store = Store.open(db)
    with SiteServer(_heavy_site(6, 300_000)) as one, SiteServer(_heavy_site(6, 300_000), address="127.0.0.2") as two:
        munis = [Municipality("0001", "Ettby", "01", "Testlän", one.url),
                 Municipality("0002", "Tvåby", "01", "Testlän", two.url)]
        store.upsert_municipalities(munis)
        run_id = store.start_run(2026, "run-budget", {})
        config = CrawlSettings(allow_private_addresses=True, autothrottle=False, concurrent_municipalities=1,
                             use_sitemaps=False, max_bytes_per_run=700_000)
        crawl(munis, db_url=db, run_id=run_id, config=config)
        assert not two.log  # never started
    outcomes = store.crawl_outcomes(run_id)
    assert outcomes["0001"]["status"] == "found" and outcomes["0001"]["reason"] == "run_byte_budget_exhausted"
    assert (outcomes["0002"]["status"], outcomes["0002"]["reason"]) == ("error", "run_byte_budget_exhausted")
    store.close()


def test_html_is_cut_before_parsing(tmp_path: Path) -> None:
    from crawlserver import SiteServer, crawl_site

    filler = "<p>" + "Kommunen informerar. " * 200_000 + "</p>"  # about 4 MB before the link
    body = (f"<html><head><title>Testby</title></head><body>{filler}"
            '<a href="/naringslivsprogram.pdf">Näringslivsprogram</a></body></html>').encode()
    routes = {"/": (200, {}, body), "/naringslivsprogram.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF")}
    with SiteServer(routes) as site:  # type: ignore[arg-type]
        result = crawl_site(site, tmp_path, max_html_bytes=1_000_000)
        assert "/naringslivsprogram.pdf" not in site.paths()
    assert result.outcome["detail"]["errors"]["html_cut"] == 1
