"""The programme spider: best-first per municipality, a few municipalities at a time, guided by the model.

Thin on purpose: scoring (``linkscore``), canonicalisation (``urls``), document detection
(``documents``), page reading (``pagescan``), frontier and host rules (``frontier``, ``site``), the
model's verdict (``judge``) and the outcome (``outcome``) are tested on their own. The spider only moves
requests between a municipality's frontier and Scrapy, keeping 1-2 requests in flight per municipality,
has every page and document read and scored by the programme model (off the reactor thread), applies
the answers in request order (so a crawl depends on the responses, not on their timing or on how long
reading took), and writes to the store through ``pipelines.Recorder``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider, DontCloseSpider, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.responsetypes import responsetypes
from twisted.python.failure import Failure

from base.errors import StoreError
from base.municipalities import Municipality
from base.settings import CrawlSettings
from base.store import Validators
from crawler.documents import (
    DOCUMENT_KINDS,
    HTML,
    filename_from_disposition,
    filename_from_url,
    is_soft_404,
    sniff_kind,
)
from crawler.frontier import LinkInfo
from crawler.judge import Judge, Reading, Verdict
from crawler.linkscore import LinkFeatures, is_direct_hit, score_link, score_page
from crawler.outcome import error_code
from crawler.pagescan import scan_html
from crawler.recorder import Recorder
from crawler.robots import RobotsUnavailable, SafeRobotsTxtMiddleware
from crawler.safety import PrivateAddressRefused
from crawler.site import SiteState, hostname
from crawler.sitemaps import parse_sitemap
from crawler.urls import bare_host, host_variants

logger = logging.getLogger(__name__)

# Statuses the spider must see (for outcomes); 3xx stay with RedirectMiddleware.
HANDLED_STATUSES = [304, 400, 401, 403, 404, 405, 406, 410, 429, 451, 500, 502, 503, 504]


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _with_body(response: Response, body: bytes) -> Response:
    """An unchanged (304) response as the 200 it stands for: the stored body, the same request and meta."""
    cls = responsetypes.from_args(headers=response.headers, url=response.url, body=body)
    return response.replace(cls=cls, status=200, body=body)


class ProgramSpider(scrapy.Spider):
    name = "program"

    def __init__(self, municipalities: Iterable[Municipality], recorder: Recorder, config: CrawlSettings,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.queue: Iterator[Municipality] = iter(municipalities)
        self.recorder = recorder
        self.config = config
        self.sites: dict[str, SiteState] = {}
        self.outcomes: list[dict[str, Any]] = []
        self.skipped = 0
        self.fatal: str | None = None
        self._robots: SafeRobotsTxtMiddleware | None = None
        self.run_bytes = recorder.run_bytes()  # the run's byte budget counts what earlier attempts downloaded
        self.judge = Judge.load(config.model, config.extract_workers) if config.guide == "model" else None
        self.year = config.inventory_year or time.localtime().tm_year

    def closed(self, reason: str) -> None:
        if self.judge is not None:
            self.judge.close()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ProgramSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for request in self._activate_more():
            yield request

    # -- moving requests between frontiers and Scrapy -----------------------------------------------
    def _activate_more(self) -> Iterator[Request]:
        """Start queued municipalities while fewer than ``concurrent_municipalities`` are active."""
        while self._free_slots() > 0:
            muni = next(self.queue, None)
            if muni is None:
                return
            yield from self._activate(muni)

    def _free_slots(self) -> int:
        return self.config.concurrent_municipalities - len(self.sites)

    def _activate(self, muni: Municipality) -> Iterator[Request]:
        """Seed one municipality's frontier and yield its first requests (none if the store has it)."""
        if self.recorder.finished(muni.code):
            self.skipped += 1
            return
        self.recorder.start(muni.code)
        state = SiteState.new(muni, self.config)
        state.run_budget_spent = self.run_bytes >= self.config.max_bytes_per_run  # recorded, not crawled
        self.sites[muni.code] = state
        try:
            state.seed()
        except ValueError:  # a website URL urllib refuses: an error with a reason, never an empty outcome
            logger.warning("municipality %s: unusable website URL %r", muni.code, muni.website)
            state.counts.internal_error = "bad_website_url"
        yield from self._pump(state)

    def _pump(self, state: SiteState) -> Iterator[Request]:
        while state.in_flight < self.config.per_host_concurrency and state.stop_reason() is None:
            item = state.frontier.pop()
            if item is None:
                break
            yield self._request(state, *item)
        if state.in_flight == 0:
            self._finish(state, state.stop_reason() or "frontier_exhausted")
            yield from self._activate_more()

    def _request(self, state: SiteState, url: str, info: LinkInfo) -> Request:
        state.counts.requests += 1
        state.in_flight += 1
        meta = {"code": state.muni.code, "info": info, "seq": state.counts.requests, "frontier_url": url,
                "handle_httpstatus_list": HANDLED_STATUSES}
        headers: dict[str, str] = {}
        validators = self.recorder.validators(url) if info.kind == "page" else None
        if validators is not None:
            meta["validators"] = validators
            if validators.etag:
                headers["If-None-Match"] = validators.etag
            if validators.last_modified:
                headers["If-Modified-Since"] = validators.last_modified
        return Request(url, callback=self.parse, errback=self.failed, meta=meta, headers=headers,
                       dont_filter=True, priority=int(min(info.score, 1000)))

    def idle(self) -> None:
        """Nothing is in Scrapy any more: requests counted in flight were dropped silently; go on.

        Responses held for such a request (they arrived after it was sent) are applied now, in request
        order, so nothing that arrived is lost and the order stays the one a fresh crawl would use."""
        scheduled = False
        for state in list(self.sites.values()):
            late = state.order.give_up(state.counts.requests)
            state.in_flight = len(late)
            for request in self._apply_all(state, late) if late else self._pump(state):
                self.crawler.engine.crawl(request)
                scheduled = True
        for request in self._activate_more():
            self.crawler.engine.crawl(request)
            scheduled = True
        if scheduled:
            raise DontCloseSpider

    # -- callbacks: what arrives is read, then applied in request order ---------------------------------
    async def parse(self, response: Response, **kwargs: Any) -> AsyncIterator[Request]:
        reading = await self._read(response)
        if reading is not None:
            response.meta["reading"] = reading
        for request in self._arrive(response.meta, response):
            yield request

    async def _read(self, response: Response) -> Reading | None:
        """The model's reading of a page or document (None when the crawl is guided by keywords, or the
        answer is no page or document). A document the store has already read is not read again."""
        info: LinkInfo = response.meta["info"]
        if self.judge is None or info.kind == "sitemap" or response.meta.get("code") not in self.sites:
            return None
        body = response.body
        validators: Validators | None = response.meta.get("validators")
        if response.status == 304 and validators is not None:
            stored = self.recorder.stored_content(validators.sha256)
            if stored is None:
                return None
            response.meta["stored_body"] = body = stored
        elif response.status != 200:
            return None
        kind = sniff_kind(body, _header(response, "Content-Type"), _header(response, "Content-Disposition"),
                          response.url)
        if kind != HTML and kind not in DOCUMENT_KINDS:
            return None
        if kind == HTML:
            body = body[:self.config.max_html_bytes]
        else:
            known = self.recorder.known_extraction(body)
            if known is not None:
                return known
        filename = (filename_from_disposition(_header(response, "Content-Disposition"))
                    or filename_from_url(response.url))
        return await self.judge.read(body, kind, _header(response, "Content-Type"), response.url, filename)

    def failed(self, failure: Failure) -> Iterator[Request]:
        yield from self._arrive(failure.request.meta, failure)  # type: ignore[attr-defined]

    def _arrive(self, meta: dict[str, Any], outcome: Response | Failure) -> Iterator[Request]:
        """Hold a response (or failure) until every earlier request of its municipality is applied.

        With ``per_host_concurrency`` 2 the two answers of a municipality can arrive in either order
        (a shared host's queue in this process, a retry, a robots.txt wait), and applying them as they
        come would pop the best-first frontier and hit the stop rules at points that depend on timing.
        Applied in request order, with the frontier refilled after each one, a municipality's crawl is
        a function of its responses alone, whichever process and company it is crawled in (issue 8)."""
        state = self.sites.get(meta["code"])
        if state is None:
            return
        if not state.order.put(meta["seq"], outcome):
            logger.warning("a second answer for request %s of %s was ignored", meta["seq"], state.muni.code)
            return
        yield from self._apply_all(state, iter(state.order.take, None))

    def _apply_all(self, state: SiteState, outcomes: Iterable[Response | Failure]) -> Iterator[Request]:
        for outcome in outcomes:
            state.in_flight -= 1  # in flight until applied, so the frontier is refilled only from here
            if isinstance(outcome, Failure):
                self._guard(self._handle_failure, state, outcome)
            else:
                self._guard(self._handle_response, state, outcome)
            yield from self._pump(state)

    def _handle_failure(self, state: SiteState, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        info: LinkInfo = request.meta["info"]
        exc = failure.value
        if isinstance(exc, PrivateAddressRefused):
            error = "private_address"
        elif isinstance(exc, RobotsUnavailable):  # RFC 9309: no robots.txt to be had is a complete disallow
            error = f"robots_unavailable:{exc.code}"
            state.note_robots_blocked(request.url, info)
            if info.anchor == "start":
                state.counts.robots_unavailable = exc.code
        elif isinstance(exc, IgnoreRequest) and "robots" in str(exc).lower():
            error = "robots_disallowed"
            state.note_robots_blocked(request.url, info)
        else:
            error = error_code(exc)
        state.counts.errors[error] += 1
        self.recorder.fetch(state.muni.code, url=request.meta["frontier_url"], final_url=request.url, status=None,
                            content_type=None, size=0, sha256=None, etag=None, last_modified=None,
                            route=info.route, error=error)

    def _guard(self, func: Any, *args: Any, **kwargs: Any) -> None:
        """Store errors stop the crawl (nothing may be lost silently); anything else is counted."""
        try:
            func(*args, **kwargs)
        except StoreError as exc:
            self.fatal = str(exc)
            raise CloseSpider("store_error") from exc
        except Exception as exc:  # a bug or a hostile page must not stop the other municipalities
            logger.exception("internal error while handling a response for %s", args[0])
            code = args[0].muni.code if isinstance(args[0], SiteState) else str(args[0])
            if code in self.sites:
                self.sites[code].counts.errors[f"internal:{type(exc).__name__}"] += 1

    def _handle_response(self, state: SiteState, response: Response) -> None:
        info: LinkInfo = response.meta["info"]
        url, status, body = response.meta["frontier_url"], response.status, response.body
        c = state.counts
        c.responses += 1
        state.statuses[status] += 1
        state.bytes_downloaded += len(body)
        self._count_run_bytes(len(body))
        state.frontier.mark_seen(response.url)
        if info.anchor == "start":  # the home page may redirect to its www twin or a new domain
            state.hosts |= host_variants(hostname(response.url))
        ctype = _header(response, "Content-Type")
        fetch = dict(url=url, final_url=response.url, status=status, content_type=ctype, size=len(body),
                     sha256=None, etag=_header(response, "ETag"), last_modified=_header(response, "Last-Modified"),
                     route=info.route, error=None)
        validators: Validators | None = response.meta.get("validators")
        if status == 304 and validators is not None:
            c.ok_responses += 1
            stored = response.meta.get("stored_body") or self.recorder.stored_content(validators.sha256)
            if stored is None:  # the store lost the copy: the candidate by hash (the store refuses if it cannot)
                self._candidate(state, response, info, None, validators.sha256, ctype, unchanged=validators)
                fetch["sha256"] = validators.sha256
            else:
                fetch["sha256"], fetch["error"] = self._read_content(
                    state, _with_body(response, stored), info, ctype, unchanged=validators)
        elif status >= 400:
            if status in (401, 403, 429):
                c.server_refusals += 1
            fetch["error"] = f"http_{status}"
        elif info.kind == "sitemap":
            c.ok_responses += 1
            self._read_sitemap(state, response, info)
        else:
            c.ok_responses += 1
            fetch["sha256"], fetch["error"] = self._read_content(state, response, info, ctype)
        self.recorder.fetch(state.muni.code, **fetch)

    def _read_content(self, state: SiteState, response: Response, info: LinkInfo, ctype: str | None,
                      unchanged: Validators | None = None) -> tuple[str | None, str | None]:
        """A downloaded body, or the stored copy of an unchanged (304) one: the same rules for both, so
        what a municipality's crawl does never depends on whether the store already had the URL (another
        municipality of the run may have saved a page or document of a shared host moments before)."""
        body = response.body
        disposition = _header(response, "Content-Disposition")
        kind = sniff_kind(body, ctype, disposition, response.url)
        reading: Reading | None = response.meta.get("reading")
        verdict = self._verdict(state, reading, response.url)
        probability = verdict.probability if verdict is not None else None
        if kind in DOCUMENT_KINDS:
            digest = self._candidate(state, response, info, body, None, ctype, unchanged=unchanged,
                                     verdict=verdict)
            if reading is not None and reading.full and not reading.stored:
                self.recorder.save_extraction(reading.sha256, reading.extraction)
            return digest, None
        if kind != HTML:
            return None, f"not_a_document:{kind}"
        encoding = response.encoding if isinstance(response, TextResponse) else None
        if len(body) > self.config.max_html_bytes:  # parsing a 50 MB page costs gigabytes; its head is enough
            state.counts.errors["html_cut"] += 1
        scan = scan_html(body[:self.config.max_html_bytes], response.url, encoding=encoding)
        if is_soft_404(response.url, kind, scan.title, scan.headings):
            state.counts.errors["soft_404"] += 1
            return None, "soft_404"
        sha: str | None = None
        page = score_page(response.url, scan.title, scan.headings)
        keyword_hit = is_direct_hit(page) or (info.tier1 and page.tier1)
        # Guided by the model, every page is a candidate it finds likely enough; the keyword rule of the
        # earlier crawler keeps its candidates too (a page the model cannot read is judged by its words).
        kept = probability is not None and probability >= self.config.keep_probability
        if info.kind == "page" and (keyword_hit or kept):
            sha = self._candidate(state, response, info, body, None, ctype, page_hit=keyword_hit,
                                  unchanged=unchanged, verdict=verdict)
        state.admit_all(scan, response.url, info, probability)
        if state.best_first:
            self._shortcuts(state, response, scan.search_template)
        return sha, None

    def _verdict(self, state: SiteState, reading: Reading | None, url: str) -> Verdict | None:
        """The model's verdict on what was read, at apply time (so the hosts known then count)."""
        if self.judge is None or reading is None:
            return None
        verdict = self.judge.verdict(reading.extraction, url=url, own_hosts={bare_host(h) for h in state.hosts},
                                     business_hosts=state.business_hosts, municipality=state.muni.name,
                                     year=self.year)
        if verdict is not None:
            state.note_probability(url, verdict.probability)
        return verdict

    def _candidate(self, state: SiteState, response: Response, info: LinkInfo, content: bytes | None,
                   sha256: str | None, ctype: str | None, *, page_hit: bool = False,
                   unchanged: Validators | None = None, verdict: Verdict | None = None) -> str:
        etag, last_modified = (unchanged.etag, unchanged.last_modified) if unchanged else (None, None)
        if unchanged is not None:  # the store keeps the bytes it has; the candidate is marked unchanged
            content, sha256 = None, unchanged.sha256
        filename = (filename_from_disposition(_header(response, "Content-Disposition"))
                    or filename_from_url(response.url))
        tier1 = page_hit or info.tier1 or score_link(
            LinkFeatures(url=response.url, anchor=f"{info.anchor or ''} {filename or ''}")).tier1
        digest = self.recorder.candidate(
            state.muni.code, content=content, sha256=sha256, url=response.meta["frontier_url"],
            final_url=response.url, content_type=ctype, filename=filename, source_page=info.source_page,
            anchor_text=info.anchor, route=info.route, link_score=info.score,
            etag=etag or _header(response, "ETag"), last_modified=last_modified or _header(response, "Last-Modified"))
        # A hit: what the model finds likely this municipality's programme, or what names a programme in its
        # link words (the crawl is where programmes are: keep looking there). Only a very probable programme
        # stated to be in force this year is confident enough to stop soon.
        model_hit = verdict is not None and self.judge is not None and verdict.hit(self.judge.threshold)
        # A neighbour's programme named in its link words is no hit: selection will set it aside, and
        # counting it stopped the crawl a few requests later, before this municipality's own programme.
        elsewhere = verdict is not None and verdict.other_municipality is not None
        if model_hit or (tier1 and not elsewhere):
            confident = verdict is not None and verdict.confident(self.config.confident_probability)
            state.note_hit(response.meta["seq"], info.route, info.score, confident=confident)
        return digest

    # -- shortcuts: site search and sitemaps (the rules are in SiteState) -----------------------------
    def _shortcuts(self, state: SiteState, response: Response, template: str | None) -> None:
        if self.config.use_search and template:
            state.add_search(template, response.url)
        if self.config.use_sitemaps:
            robots = self._robots_mw()
            listed = robots.sitemaps.get(response.url.split("/")[2]) if robots is not None else None
            state.add_sitemaps(response.url, listed or [])

    def _read_sitemap(self, state: SiteState, response: Response, info: LinkInfo) -> None:
        state.read_sitemap(parse_sitemap(response.body, max_urls=self.config.max_sitemap_urls), response.url)

    def _robots_mw(self) -> SafeRobotsTxtMiddleware | None:
        if self._robots is None:
            for mw in self.crawler.engine.downloader.middleware.middlewares:
                if isinstance(mw, SafeRobotsTxtMiddleware):
                    self._robots = mw
        return self._robots

    def _count_run_bytes(self, size: int) -> None:
        """Kept apart from the stop rules on purpose: when the run's budget is spent, every municipality stops."""
        self.run_bytes += size
        if self.run_bytes >= self.config.max_bytes_per_run:
            for state in self.sites.values():
                state.run_budget_spent = True

    # -- outcome ---------------------------------------------------------------------------------
    def _finish(self, state: SiteState, reason: str) -> None:
        outcome = state.outcome(reason)
        del self.sites[state.muni.code]
        self._guard(self.recorder.finish, state.muni.code, **outcome)
        self.outcomes.append({"code": state.muni.code, **outcome})
