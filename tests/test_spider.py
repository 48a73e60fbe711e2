"""Crawl tests against small local sites: one crawl of many municipalities, one per scenario.

Every site is its own SiteServer on its own loopback address. The crawl runs the real Scrapy engine in
the child process and writes into a real Store; assertions read the store and the servers' logs.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from crawlserver import Handler, Reply, SiteServer, page, pdf
from scrapy import Request
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import HtmlResponse
from twisted.python.failure import Failure

from base.municipalities import Municipality
from base.settings import CrawlSettings
from base.store import Store, fetches
from crawler.recorder import Recorder
from crawler.run import crawl
from crawler.spiders.program import ProgramSpider

TEXT = {"Content-Type": "text/plain"}
PDF_HEADERS = {"Content-Type": "application/octet-stream",
               "Content-Disposition": "attachment; filename*=UTF-8''N%C3%A4ringslivsprogram%202024.pdf"}
HOME_LINKS = (("/skola/", "Förskola och skola"), ("/omsorg/", "Omsorg och hjälp"), ("/kultur/", "Kultur och fritid"),
              ("/kontakt/", "Kontakt"), ("/nyheter/", "Nyheter"))


def filler(prefix: str, n: int = 6) -> dict[str, Reply]:
    """Ordinary pages that link to each other (the haystack)."""
    routes: dict[str, Reply] = {}
    for i in range(n):
        links = [(f"{prefix}{j}/", f"Sida {j}") for j in range(n) if j != i]
        routes[f"{prefix}{i}/"] = page(f"Sida {i}", *links)
    routes[prefix] = page("Sektion", *[(f"{prefix}{j}/", f"Sida {j}") for j in range(n)])
    return routes


def base_site(*extra_home: tuple[str, str], robots: bytes = b"User-agent: *\nDisallow:\n",
              home_extra: str = "") -> dict[str, Any]:
    routes: dict[str, Any] = {"/robots.txt": (200, TEXT, robots)}
    for prefix, _ in HOME_LINKS:
        routes.update(filler(prefix))
    routes["/"] = page("Välkommen till Testby kommun", *HOME_LINKS, *extra_home, extra=home_extra)
    return routes


def p1() -> dict[str, Any]:
    r = base_site(("/naringsliv-och-arbete/", "Näringsliv och arbete"))
    r["/naringsliv-och-arbete/"] = page(
        "Näringsliv och arbete", ("/naringsliv-och-arbete/naringslivsutveckling/", "Näringslivsutveckling"),
        ("/naringsliv-och-arbete/mark/", "Mark och lokaler"))
    r["/naringsliv-och-arbete/naringslivsutveckling/"] = page(
        "Näringslivsutveckling", extra='<div class="sv-file-portlet"><h2>Dokument</h2>'
        '<a href="/download/18.1a2b/1700000000000/N%C3%A4ringslivsprogram%202024-2027.pdf">'
        'Näringslivsprogram 2024-2027 Pdf, 1 MB</a></div>')
    r["/download/18.1a2b/1700000000000/N%C3%A4ringslivsprogram%202024-2027.pdf"] = (200, PDF_HEADERS, pdf())
    return r


def p2() -> dict[str, Any]:
    r = base_site(("/kommun--politik/", "Kommun & politik"))
    r["/kommun--politik/"] = page("Kommun och politik", ("/kommun--politik/styrdokument/", "Styrdokument"))
    r["/kommun--politik/styrdokument/"] = page("Styrdokument", ("/kommun--politik/styrdokument/program/", "Program"),
                                               ("/kommun--politik/styrdokument/policyer/", "Policyer"))
    r["/kommun--politik/styrdokument/program/"] = page(
        "Program", ("/globalassets/styrdokument/naringslivsstrategi-2030.pdf", "Näringslivsstrategi 2030"))
    r["/globalassets/styrdokument/naringslivsstrategi-2030.pdf"] = (200, {"Content-Type": "application/pdf"}, pdf())
    return r


def p3() -> dict[str, Any]:
    r = base_site(("/foretag/", "Företag"))
    r["/foretag/"] = page("Företagare", ("/foretag/tillvaxtprogram/", "Tillväxtprogram 2040"))
    r["/foretag/tillvaxtprogram/"] = page("Tillväxtprogram 2040 för Testby")
    return r


def p5(brand_url: str) -> dict[str, Any]:
    r = base_site(("/naringsliv/", "Näringsliv"))
    r["/naringsliv/"] = page("Näringsliv", (f"{brand_url}strategi/", "Näringslivsstrategi (länk till annan webbplats)"))
    return r


def brand() -> dict[str, Any]:
    return {"/robots.txt": (200, TEXT, b""),
            "/strategi/": page("Vår strategi", ("/files/naringslivsstrategi.pdf", "Ladda ner strategin (pdf)")),
            "/files/naringslivsstrategi.pdf": (200, {"Content-Type": "application/pdf"}, pdf())}


def p6_search() -> dict[str, Any]:
    r = base_site(home_extra='<form action="/sok" method="get"><input type="search" name="query"></form>')

    def search(handler: Handler) -> Reply:
        if "n%C3%A4ringslivsprogram" in handler.path:
            hit = ("/gamla-sidor/plan-for-naringslivsutveckling/", "Plan för näringslivsutveckling")
            return page("Sökresultat", hit)
        return page("Sökresultat")

    r["/sok"] = search
    r["/gamla-sidor/plan-for-naringslivsutveckling/"] = page(
        "Plan för näringslivsutveckling", ("/upload/Plan%20f%C3%B6r%20n%C3%A4ringslivsutveckling.pdf", "Planen"))
    r["/upload/Plan%20f%C3%B6r%20n%C3%A4ringslivsutveckling.pdf"] = (200, {"Content-Type": "application/pdf"}, pdf())
    return r


def p6_sitemap(url: str) -> dict[str, Any]:
    r = base_site(robots=f"User-agent: *\nDisallow:\nSitemap: {url}sitemapindex.xml\n".encode())
    r["/sitemapindex.xml"] = (200, {"Content-Type": "application/xml"},
                              f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
                              f"<loc>{url}sitemap1.xml.gz</loc></sitemap></sitemapindex>".encode())
    urlset = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              + "".join(f"<url><loc>{url}skola/{i}/</loc></url>" for i in range(5))
              + f"<url><loc>{url}arkiv/naringslivsstrategi-2022-2030/</loc></url></urlset>")
    r["/sitemap1.xml.gz"] = (200, {"Content-Type": "application/gzip"}, gzip.compress(urlset.encode()))
    r["/arkiv/naringslivsstrategi-2022-2030/"] = page("Näringslivsstrategi 2022–2030")
    return r


def p7() -> dict[str, Any]:
    r = base_site(("/naringsliv/", "Näringsliv"))
    state = json.dumps({"files": [{"id": "18.9", "name": "Näringslivsprogram 2023–2026.pdf",
                                   "url": "/download/18.9/1/Naringslivsprogram.pdf"}]})
    script = f"<script>AppRegistry.registerInitialState('12.ab', {state});</script>"
    r["/naringsliv/"] = page("Näringsliv", extra=script)
    r["/download/18.9/1/Naringslivsprogram.pdf"] = (200, {"Content-Type": "application/pdf"}, pdf())
    return r


def traps() -> dict[str, Any]:
    """A site where every trap family is reachable from the home page, and the programme is deep."""
    r = p1()

    def calendar(handler: Handler) -> Reply:
        n = handler.path.rsplit("=", 1)[-1] if "=" in handler.path else "2026-01-01"
        return page(f"Kalender {n}", (f"/evenemang?date={n}1", "Nästa"), (f"/evenemang?date={n}2", "Föregående"))

    def news(handler: Handler) -> Reply:
        n = int(handler.path.rsplit("=", 1)[-1]) if "=" in handler.path else 1
        return page("Nyheter", (f"/nyhetsarkiv?page={n + 1}", "Nästa sida"))

    def facets(handler: Handler) -> Reply:
        links = [(f"/bibliotek?typ={t}&amne={a}&ar={y}", f"{t} {a}") for t in ("plan", "program", "policy")
                 for a in ("naringsliv", "skola") for y in (2020, 2021)]
        return page("Dokumentbibliotek", *links)

    def stateful(handler: Handler) -> Reply:
        return page("Näringsliv", (f"{handler.path.split('?')[0]}?sv.url=12.ab&state=view{len(handler.path)}", "Visa"),
                    ("/naringsliv-och-arbete/naringslivsutveckling/", "Näringslivsutveckling"))

    def relative(handler: Handler) -> Reply:
        return page("Sida", ("sida/", "Sida"))

    r["/evenemang"] = calendar
    r["/nyhetsarkiv"] = news
    r["/bibliotek"] = facets
    r["/naringsliv-och-arbete/"] = stateful
    r["/sida/"] = relative
    for depth in range(2, 8):
        r["/sida" * depth + "/"] = relative
    r["/"] = page("Start", *HOME_LINKS, ("/evenemang?date=2026-01-01", "Evenemang"),
                  ("/nyhetsarkiv?page=1", "Nyhetsarkiv"), ("/bibliotek", "Dokumentbibliotek"), ("/sida/", "Sida"),
                  ("/naringsliv-och-arbete/;jsessionid=ABCDEF0123", "Näringsliv och arbete"))
    return r


def faults() -> dict[str, Any]:
    """P1 with a dropped connection and a 429 with Retry-After on the way."""
    r = p1()
    calls = {"drop": 0, "limit": 0}
    ok_hub, ok_page = r["/naringsliv-och-arbete/"], r["/naringsliv-och-arbete/naringslivsutveckling/"]

    def drop_once(handler: Handler) -> Reply | None:
        calls["drop"] += 1
        return None if calls["drop"] == 1 else ok_hub

    def limit_once(handler: Handler) -> Reply:
        calls["limit"] += 1
        return (429, {"Retry-After": "1"}, b"slow down") if calls["limit"] == 1 else ok_page

    r["/naringsliv-och-arbete/"] = drop_once
    r["/naringsliv-och-arbete/naringslivsutveckling/"] = limit_once
    return r


def ua_blocked() -> dict[str, Any]:
    inner = p1()

    def gate(path: str) -> Any:
        def handler(h: Handler) -> Reply:
            if "Mozilla" not in h.headers.get("User-Agent", ""):
                return 403, {}, b"<html><title>Forbidden</title></html>"
            route = inner[path]
            return route(h) if callable(route) else route
        return handler

    return {path: gate(path) for path in inner}


def _free_closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SCENARIOS = ("p1", "p2", "p3", "p5", "p6_search", "p6_sitemap", "p7", "traps", "faults", "ua_blocked")


@pytest.fixture(scope="module")
def web() -> Iterator[dict[str, SiteServer]]:
    with ExitStack() as stack:
        servers: dict[str, SiteServer] = {}
        brand_site = stack.enter_context(SiteServer(brand(), address="127.0.3.99"))
        servers["brand"] = brand_site
        for i, name in enumerate(SCENARIOS):
            site = SiteServer({}, address=f"127.0.3.{i + 1}")
            stack.enter_context(site)
            if name == "p5":
                site.routes.update(p5(brand_site.url))
            elif name == "p6_sitemap":
                site.routes.update(p6_sitemap(site.url))
            else:
                site.routes.update(globals()[name]())
            servers[name] = site
        yield servers


def _municipalities(web: dict[str, SiteServer]) -> list[Municipality]:
    munis = [Municipality(f"{i + 1:04d}", name, "01", "Testlän", web[name].url) for i, name in enumerate(SCENARIOS)]
    munis.append(Municipality("0099", "unreachable", "01", "Testlän", f"http://127.0.3.200:{_free_closed_port()}/"))
    return munis


@pytest.fixture(scope="module")
def crawled(web: dict[str, SiteServer], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    db = f"sqlite:///{tmp_path_factory.mktemp('crawl')}/c.db"
    store = Store.open(db)
    munis = _municipalities(web)
    store.upsert_municipalities(munis)
    run_id = store.start_run(2026, "spider", {})
    config = CrawlSettings(allow_private_addresses=True, autothrottle=False, concurrent_municipalities=4, budget=60,
                         stop_after_hit=3)
    summary = crawl(munis, db_url=db, run_id=run_id, config=config)
    names = {m.code: m.name for m in munis}
    outcomes = {names[code]: o for code, o in store.crawl_outcomes(run_id).items()}
    cands = {names[m.code]: store.candidates(run_id, m.code) for m in munis}
    return {"summary": summary, "outcomes": outcomes, "candidates": cands, "store": store, "run_id": run_id}


@pytest.mark.parametrize(("scenario", "route"), [("p1", "link"), ("p2", "link"), ("p3", "link"), ("p5", "offsite"),
                                                 ("p6_search", "search"), ("p6_sitemap", "sitemap"), ("p7", "link")])
def test_each_placement_scenario_is_found(crawled: dict[str, Any], scenario: str, route: str) -> None:
    outcome = crawled["outcomes"][scenario]
    assert outcome["status"] == "found", outcome
    assert outcome["found_via"] == route
    assert outcome["requests_to_first_hit"] <= 12, outcome


def test_candidates_carry_provenance(crawled: dict[str, Any]) -> None:
    pdfs = [c for c in crawled["candidates"]["p1"] if c["url"].endswith(".pdf")]
    assert len(pdfs) == 1
    cand = pdfs[0]
    assert cand["filename"] == "Näringslivsprogram 2024.pdf"  # from Content-Disposition filename*
    assert cand["source_page"].endswith("/naringsliv-och-arbete/naringslivsutveckling/")
    assert "Näringslivsprogram 2024-2027" in cand["anchor_text"]
    assert crawled["store"].blob(cand["sha256"]) == pdf()


def test_trap_families_are_bounded(crawled: dict[str, Any], web: dict[str, SiteServer]) -> None:
    assert crawled["outcomes"]["traps"]["status"] == "found"
    paths = web["traps"].paths()
    assert sum(p.startswith("/evenemang") for p in paths) <= 2
    assert sum(p.startswith("/nyhetsarkiv") for p in paths) <= 3
    assert sum(p.startswith("/bibliotek?") for p in paths) <= 4
    assert sum("sv.url" in p or "jsessionid" in p for p in paths) == 0
    assert sum(p.startswith("/sida/sida/sida") for p in paths) == 0


def test_faults_are_survived(crawled: dict[str, Any], web: dict[str, SiteServer]) -> None:
    assert crawled["outcomes"]["faults"]["status"] == "found"
    log = web["faults"].log
    limited = [h.time for h in log if h.path == "/naringsliv-och-arbete/naringslivsutveckling/"]
    assert len(limited) == 2 and limited[1] - limited[0] >= 0.9  # Retry-After: 1 honoured


def test_ua_block_and_unreachable_are_reported(crawled: dict[str, Any], web: dict[str, SiteServer]) -> None:
    assert crawled["outcomes"]["ua_blocked"]["status"] == "blocked_by_server"
    assert all("Mozilla" not in h.user_agent for h in web["ua_blocked"].log)  # the fallback is opt-in
    assert crawled["outcomes"]["unreachable"]["status"] == "site_unreachable"
    assert crawled["outcomes"]["unreachable"]["reason"] == "refused"


def test_honest_user_agent_and_robots_first(web: dict[str, SiteServer], crawled: dict[str, Any]) -> None:
    log = web["p1"].log
    assert log[0].path == "/robots.txt"
    assert all(h.user_agent.startswith("kommunprogram/") and "https://" in h.user_agent for h in log)


def test_browser_ua_fallback_is_opt_in(web: dict[str, SiteServer], tmp_path: Path) -> None:
    from crawlserver import crawl_site

    result = crawl_site(web["ua_blocked"], tmp_path, browser_ua_fallback=True)
    assert result.outcome["status"] == "found"
    assert any(h.path == "/robots.txt" and "Mozilla" in h.user_agent for h in web["ua_blocked"].log)


def test_breadth_first_baseline_runs(web: dict[str, SiteServer], tmp_path: Path) -> None:
    from crawlserver import crawl_site

    result = crawl_site(web["p1"], tmp_path, strategy="breadth_first", budget=80)
    assert result.outcome["status"] == "found"
    assert result.outcome["detail"]["strategy"] == "breadth_first"


def test_private_addresses_refused_by_default(web: dict[str, SiteServer], tmp_path: Path) -> None:
    from crawlserver import crawl_site

    before = len(web["p3"].log)
    result = crawl_site(web["p3"], tmp_path, allow_private_addresses=False)
    assert result.outcome["status"] == "site_unreachable"
    assert result.outcome["reason"] == "private_address"
    assert len(web["p3"].log) == before  # not even robots.txt was fetched


# -- answers are applied in request order (the spider's callbacks, driven without the engine) -----------
class _Engine:
    """What the spider uses of Scrapy's engine in ``idle``: ``crawl`` (recorded here)."""

    def __init__(self) -> None:
        self.crawled: list[Request] = []

    def crawl(self, request: Request) -> None:
        self.crawled.append(request)


def _answer(request: Request, *links: tuple[str, str]) -> HtmlResponse:
    _, headers, body = page("Sida", *links)
    return HtmlResponse(request.url, status=200, headers={"Content-Type": "text/html; charset=utf-8", **headers},
                        body=body, request=request)


def _parse(spider: ProgramSpider, response: HtmlResponse) -> list[Request]:
    """The requests ``parse`` (an async generator: pages are read by the model first) yields."""

    async def collect() -> list[Request]:
        return [r async for r in spider.parse(response)]

    return asyncio.run(collect())


def _fetched(store: Store, run_id: int) -> list[str]:
    """The paths of a run's fetch records, in the order the spider recorded them."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(fetches.c.url).where(fetches.c.run_id == run_id).order_by(fetches.c.id))
        return [url.split("/", 3)[-1] for (url,) in rows]


def test_answers_are_applied_in_request_order_and_idle_applies_what_was_held(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/order.db"
    store = Store.open(db)
    muni = Municipality("0001", "Testby", "01", "Testlän", "http://127.0.0.1:9/")
    store.upsert_municipalities([muni])
    run_id = store.start_run(2026, "order", {})
    config = CrawlSettings(allow_private_addresses=True, per_host_concurrency=2, use_search=False, use_sitemaps=False)
    spider = ProgramSpider(municipalities=[muni], recorder=Recorder(store, run_id), config=config)
    engine = _Engine()
    spider.crawler = SimpleNamespace(engine=engine)  # type: ignore[assignment]
    (home,) = spider._activate_more()
    state = spider.sites["0001"]
    links = (("/naringsliv/", "Näringsliv och arbete"), ("/kommunen/", "Om kommunen"))
    first, second = _parse(spider, _answer(home, *links))
    assert (first.meta["seq"], second.meta["seq"]) == (2, 3) and state.in_flight == 2

    # The second answer arrives first: held, nothing applied, nothing new requested.
    assert _parse(spider, _answer(second, ("/styrdokument/", "Styrdokument"), ("/foretag/", "Företag"))) == []
    assert state.counts.responses == 1 and state.in_flight == 2
    # The first one is robots-disallowed (a failure): applied, then the held answer, in that order.
    failure = Failure(IgnoreRequest("Forbidden by robots.txt"))
    failure.request = first  # type: ignore[attr-defined]
    follow = list(spider.failed(failure))
    assert state.counts.responses == 2 and state.counts.errors["robots_disallowed"] == 1
    assert state.robots_blocked == [first.url]
    assert [r.meta["seq"] for r in follow] == [4, 5] and state.in_flight == 2

    # Request 4 is dropped silently by Scrapy; 5 is answered and held. Idle applies it and goes on.
    assert _parse(spider, _answer(follow[1], ("/planer/", "Planer och program"))) == []
    with pytest.raises(DontCloseSpider):
        spider.idle()
    assert state.counts.responses == 3
    (last,) = engine.crawled
    assert last.meta["seq"] == 6 and state.in_flight == 1
    assert _parse(spider, _answer(last)) == [] and spider.outcomes[0]["code"] == "0001"  # frontier empty
    # The fetch log is in the order the answers were applied (the dropped request 4 has no answer).
    assert _fetched(store, run_id) == ["", "naringsliv/", "kommunen/", "foretag/", "planer/"]
