"""robots.txt: the Scrapy >= 2.14 race is fixed, Crawl-delay is honoured, disallowed targets are never fetched."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from crawlserver import SiteServer, crawl_site, page

ROOT = Path(__file__).resolve().parent.parent

RACE_SCRIPT = textwrap.dedent("""
    import sys
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from base.settings import CrawlSettings
    from crawler.scrapy_settings import scrapy_settings

    base, stock = sys.argv[1], sys.argv[2] == "stock"
    settings = scrapy_settings(CrawlSettings(allow_private_addresses=True, autothrottle=False))
    settings["CONCURRENT_REQUESTS_PER_DOMAIN"] = 8
    if stock:
        mws = dict(settings["DOWNLOADER_MIDDLEWARES"])
        mws["crawler.robots.SafeRobotsTxtMiddleware"] = None
        mws["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] = 100
        settings["DOWNLOADER_MIDDLEWARES"] = mws

    class Burst(scrapy.Spider):
        name = "burst"
        async def start(self):
            for i in range(8):
                yield scrapy.Request(f"{base}private/p{i}.html", dont_filter=True)
        def parse(self, response):
            pass

    process = CrawlerProcess(settings)
    process.crawl(Burst)
    process.start()
""")


def _burst(site: SiteServer, mode: str) -> list[str]:
    subprocess.run([sys.executable, "-c", RACE_SCRIPT, site.url, mode], cwd=ROOT, check=True, timeout=60,
                   capture_output=True)
    return [p for p in site.paths() if p.startswith("/private/")]


def _slow_robots(handler: object) -> tuple[int, dict[str, str], bytes]:
    time.sleep(0.3)  # keeps the burst waiting on robots.txt, which is what triggers the race
    return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"


def test_robots_race_fixed_for_a_burst_of_disallowed_requests() -> None:
    routes = {"/robots.txt": _slow_robots, **{f"/private/p{i}.html": page("x") for i in range(8)}}
    with SiteServer(routes) as site:
        assert _burst(site, "safe") == []


@pytest.mark.slow
def test_stock_middleware_still_has_the_race() -> None:
    """Documents why SafeRobotsTxtMiddleware exists; when this starts failing, Scrapy fixed the bug."""
    routes = {"/robots.txt": _slow_robots, **{f"/private/p{i}.html": page("x") for i in range(8)}}
    with SiteServer(routes) as site:
        assert _burst(site, "stock") != []


def test_crawl_delay_is_honoured(tmp_path: Path) -> None:
    routes = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nCrawl-delay: 1\n"),
        "/": page("Start", ("/a/", "Näringsliv"), ("/b/", "Styrdokument")),
        "/a/": page("A"), "/b/": page("B"),
    }
    with SiteServer(routes) as site:
        crawl_site(site, tmp_path, autothrottle=True)
        times = [h.time for h in site.log if h.path != "/robots.txt"]
    assert len(times) >= 3
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.9, gaps


def test_disallowed_programme_is_reported_blocked_and_never_fetched(tmp_path: Path) -> None:
    routes = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /*91.\n"),
        "/": page("Start", ("/naringsliv/", "Näringsliv")),
        "/naringsliv/": page("Näringsliv", ("/files/Naringslivsprogram-2023-2091.pdf", "Näringslivsprogram")),
        "/files/Naringslivsprogram-2023-2091.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4"),
    }
    with SiteServer(routes) as site:
        outcome = crawl_site(site, tmp_path).outcome
        assert "/files/Naringslivsprogram-2023-2091.pdf" not in site.paths()
    assert outcome["status"] == "blocked_by_robots"
    assert any("Naringslivsprogram" in u for u in outcome["robots_blocked"])


# -- RFC 9309 §2.3.1: 4xx means allow all; 5xx (and 429) or a network error means complete disallow -----------
def _site(robots: object) -> dict[str, object]:
    return {"/robots.txt": robots,
            "/": page("Testby kommun", ("/naringslivsprogram.pdf", "Näringslivsprogram 2025-2028")),
            "/naringslivsprogram.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n%%EOF\n")}


def test_robots_txt_answering_5xx_disallows_everything(tmp_path: Path) -> None:
    with SiteServer(_site((503, {}, b"Service Unavailable"))) as site:  # type: ignore[arg-type]
        result = crawl_site(site, tmp_path)
        assert set(site.paths()) == {"/robots.txt"}  # retried, then nothing else was fetched
    assert (result.outcome["status"], result.outcome["reason"]) == ("blocked_by_robots", "robots_unavailable")
    assert result.outcome["detail"]["errors"] == {"robots_unavailable:http_503": 1}


def test_robots_txt_that_cannot_be_fetched_disallows_everything(tmp_path: Path) -> None:
    with SiteServer(_site(lambda handler: None)) as site:  # type: ignore[arg-type]
        result = crawl_site(site, tmp_path)
        assert set(site.paths()) == {"/robots.txt"}
    assert (result.outcome["status"], result.outcome["reason"]) == ("site_unreachable", "dropped")


def test_robots_txt_answering_4xx_allows_everything(tmp_path: Path) -> None:
    body = b"User-agent: *\nDisallow: /\n"  # the body of an error answer is no robots.txt
    with SiteServer(_site((404, {"Content-Type": "text/plain"}, body))) as site:  # type: ignore[arg-type]
        result = crawl_site(site, tmp_path)
        assert "/naringslivsprogram.pdf" in site.paths()
    assert result.outcome["status"] == "found"
