"""A municipality's crawl result must not depend on timing or on the other municipalities of the run.

Issue 8: N worker processes must give exactly the single-process result. What differed was a page or
document of a host shared by several municipalities (a county's regional host): the first municipality
to save it stores its ETag, and every later one of the same run asks conditionally and gets a 304. The
304 was handled by other rules than the 200 it stands for, so which municipality came first (timing,
how the municipalities were spread over processes) decided another municipality's result.

* ``test_a_shared_page_counts_the_same_whoever_fetched_it_first``: the mechanism, forced without any
  timing: a municipality crawled alone vs after another one that saved the shared page.
* ``test_two_requests_in_flight_give_the_same_crawl_whichever_answers_first``: with
  ``per_host_concurrency`` 2, answers are applied in request order, so which of two requests in flight
  answers first does not change which URL the frontier gives out next.
* ``test_the_same_web_gives_the_same_result_however_the_crawl_is_split`` (slow): the property, on a small
  simulated web with latency and shared regional hosts: one process with every municipality, against
  the municipalities that share a regional host one at a time in reverse order, and in two processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from crawlserver import Handler, Reply, SiteServer, crawl_site, page, pdf

from base.municipalities import Municipality, read_municipalities
from base.settings import CrawlSettings
from base.store import CrawlResult, Store, fetches
from crawler.run import crawl
from simweb.config import SimConfig
from simweb.generate import generate
from simweb.serve import SimWeb

Result = dict[str, CrawlResult]


def hosts_fetched(store: Store, run_id: int) -> dict[str, set[str]]:
    """Per municipality: the hosts (host:port) it fetched from in the run."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(fetches.c.code, fetches.c.url).where(fetches.c.run_id == run_id))
        out: dict[str, set[str]] = {}
        for code, url in rows:
            out.setdefault(code, set()).add(urlsplit(url).netloc)
        return out


def crawl_run(db: str, munis: Sequence[Municipality], batches: Sequence[Sequence[Municipality]],
              config: CrawlSettings, *, parallel: bool = False) -> tuple[Result, dict[str, set[str]]]:
    """One run in a fresh store; each batch is one crawl process (one after the other, or all at once).
    Returns the run's result and the hosts each municipality fetched from."""
    store = Store.open(db)
    try:
        store.upsert_municipalities(munis)
        run_id = store.start_run(2026, f"determinism-{time.monotonic_ns()}", {}, resume=False)

        def one(batch: Sequence[Municipality]) -> None:
            crawl(batch, db_url=db, run_id=run_id, config=config)

        if parallel:
            with ThreadPoolExecutor(len(batches)) as pool:
                list(pool.map(one, batches))
        else:
            for batch in batches:
                one(batch)
        return store.crawl_results(run_id), hosts_fetched(store, run_id)
    finally:
        store.close()


# -- the mechanism: a shared host's page, fetched first by another municipality --------------------------
def conditional(reply: Reply, etag: str, revalidated: list[str]) -> Callable[[Handler], Reply]:
    """A resource with a stable ETag that answers a matching If-None-Match with 304, as real servers do."""
    status, headers, body = reply

    def handler(h: Handler) -> Reply:
        if h.headers.get("If-None-Match") == etag:
            revalidated.append(h.path)
            return 304, {"ETag": etag}, b""
        return status, {**headers, "ETag": etag}, body

    return handler


def home(shared_url: str, anchor: str) -> dict[str, Any]:
    return {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow:\n"),
            "/": page("Välkommen till kommunen", ("/skola/", "Förskola och skola"), ("/kontakt/", "Kontakt"),
                      (shared_url, anchor)),
            "/skola/": page("Skola", ("/kontakt/", "Kontakt")), "/kontakt/": page("Kontakt", ("/skola/", "Skola"))}


@pytest.fixture
def shared_web() -> Iterator[tuple[list[Municipality], list[str]]]:
    """Two municipalities linking to one page of a shared regional host: A with a Tier-1 anchor, B with a
    plain business anchor. The page itself is a direct hit (its title names the programme), so it is a
    Tier-1 candidate for both, whoever fetches it first."""
    revalidated: list[str] = []
    region: dict[str, Any] = {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow:\n"),
              "/sida/4711/": conditional(page("Näringslivsprogram för regionen 2024–2030"), '"r1"', revalidated)}
    with ExitStack() as stack:
        shared = stack.enter_context(SiteServer(region, address="127.0.0.64"))
        target = f"{shared.url}sida/4711/"
        a = stack.enter_context(SiteServer(home(target, "Näringslivsprogram"), address="127.0.0.65"))
        b = stack.enter_context(SiteServer(home(target, "Näringsliv och företagande, länk till annan webbplats"),
                                           address="127.0.0.66"))
        munis = [Municipality("0165", "Aby", "01", "Testlän", a.url),
                 Municipality("0166", "Bby", "01", "Testlän", b.url)]
        yield munis, revalidated


def test_a_shared_page_counts_the_same_whoever_fetched_it_first(
        shared_web: tuple[list[Municipality], list[str]], tmp_path: Path) -> None:
    munis, revalidated = shared_web
    a, b = munis
    config = CrawlSettings(allow_private_addresses=True, autothrottle=False)
    alone, _ = crawl_run(f"sqlite:///{tmp_path}/alone.db", munis, [[b]], config)
    assert not revalidated
    after_a, _ = crawl_run(f"sqlite:///{tmp_path}/after.db", munis, [[a], [b]], config)
    assert revalidated == ["/sida/4711/"]  # B asked conditionally: A had saved the page in the same run
    assert alone[b.code][0] == "found"  # the direct-hit page is B's Tier-1 candidate ...
    assert after_a[b.code] == alone[b.code]  # ... whether it came as a 200 or as a 304 of A's copy


# -- two requests in flight: answers are applied in request order, whichever arrives first ---------------
def two_hubs(slow: str) -> dict[str, Any]:
    """Home links to two hubs; the home page's answer sends both at once. Each hub links to its own
    programme PDF. ``slow`` is the hub that answers late."""
    def hub(title: str, doc: tuple[str, str], path: str) -> Callable[[Handler], Reply]:
        def handler(h: Handler) -> Reply:
            if path == slow:
                time.sleep(0.6)  # a slow response, so the other hub's answer arrives first
            return page(title, doc)
        return handler

    pdf_reply = (200, {"Content-Type": "application/pdf"}, pdf())
    return {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow:\n"),
            "/": page("Välkommen", ("/naringsliv/", "Näringsliv och arbete"), ("/foretag/", "Företag")),
            "/naringsliv/": hub("Näringsliv", ("/files/program.pdf", "Näringslivsprogram 2024 (pdf)"), "/naringsliv/"),
            "/foretag/": hub("Företag", ("/files/strategi.pdf", "Näringslivsstrategi (pdf)"), "/foretag/"),
            "/files/program.pdf": pdf_reply, "/files/strategi.pdf": pdf_reply}


def test_two_requests_in_flight_give_the_same_crawl_whichever_answers_first(tmp_path: Path) -> None:
    """Budget 4: home, both hubs, then one more request. Which document that is must follow from the
    responses (the better hub's link), not from which hub answered first."""
    settings: dict[str, Any] = dict(per_host_concurrency=2, budget=4, use_search=False, use_sitemaps=False)
    found = {}
    for slow in ("/naringsliv/", "/foretag/"):
        with SiteServer(two_hubs(slow), address="127.0.0.67") as site:
            crawled = crawl_site(site, tmp_path, db=f"sqlite:///{tmp_path}/{slow.strip('/')}.db", **settings)
            assert crawled.outcome["requests"] == 4
            found[slow] = sorted(c["url"].split("/", 3)[-1] for c in crawled.store.candidates(crawled.run_id))
    assert found["/naringsliv/"] == found["/foretag/"] == ["files/program.pdf"]


# -- the property: a simulated web with shared regional hosts, crawled in differently split runs ----------
@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SimWeb, list[Municipality], Path]]:
    """A simulated web with latency, 20 municipalities in a few counties, each county with one regional
    host that its municipalities' pages link to."""
    tmp = tmp_path_factory.mktemp("determinism")
    generate(tmp / "web", sites=20, seed=2026, config=SimConfig().replace(robots_crawl_delay=0.0))
    with SimWeb(tmp / "web", latency_ms=(5.0, 60.0), faults=False) as web:
        yield web, read_municipalities(web.municipalities_csv), tmp


@pytest.mark.slow  # about 25 s on an idle 2-core machine (three crawls); the two tests above are the fast variant
def test_the_same_web_gives_the_same_result_however_the_crawl_is_split(
        sim: tuple[SimWeb, list[Municipality], Path]) -> None:
    web, munis, tmp = sim
    config = CrawlSettings(allow_private_addresses=True, autothrottle=False)
    before = len(web.request_log)
    together, hosts = crawl_run(f"sqlite:///{tmp}/together.db", munis, [munis], config)
    assert len(together) == len(munis)
    regional = {web.host_origin(k).split("//")[1] for k in web.manifest["hosts"] if k.startswith("region-")}
    sharing = [m for m in munis if hosts.get(m.code, set()) & regional]
    revalidated = [r for r in web.request_log[before:] if r.host.startswith("region-") and r.status == 304]
    assert len(sharing) >= 2 and revalidated  # municipalities share a regional host; it answered 304s in-run
    # The municipalities that share a regional host (and two others), one at a time in reverse order: who
    # fetches a shared page first (and so who gets 304s) is not who did in the run above.
    subset = sharing + [m for m in munis if m not in sharing][:2]
    reverse, _ = crawl_run(f"sqlite:///{tmp}/reverse.db", subset, [subset[::-1]],
                           CrawlSettings(allow_private_addresses=True, autothrottle=False, concurrent_municipalities=1))
    # The same subset in two processes at once (as two distributed workers), into one store.
    halves, _ = crawl_run(f"sqlite:///{tmp}/halves.db", subset, [subset[0::2], subset[1::2]], config, parallel=True)
    assert {c for c in reverse if reverse[c] != together[c]} == set()
    assert {c for c in halves if halves[c] != together[c]} == set()
    assert set(reverse) == set(halves) == {m.code for m in subset}
