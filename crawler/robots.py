"""robots.txt: Scrapy's middleware with the Scrapy >= 2.14 race fixed, plus Crawl-delay and Sitemap lines.

The race (../shared/research/ecosystem.md §1.3): requests that wait for a host's robots.txt share one
Deferred, and every waiter after the first receives None, which Scrapy reads as "allowed". Measured
on 2.19.0: 6 of 8 disallowed start requests were downloaded. ``robot_parser`` below re-reads the
settled parser instead. Scrapy parses ``Crawl-delay`` but never applies it; we apply it as the host
slot's delay and stop AutoThrottle from lowering it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)

MAX_CRAWL_DELAY = 60.0  # a larger value is honoured as 60 s: the site still gets a slow, steady crawl


class SafeRobotsTxtMiddleware(RobotsTxtMiddleware):
    """RobotsTxtMiddleware that gives every waiter the real verdict and honours Crawl-delay."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.crawl_delays: dict[str, float] = {}
        self.sitemaps: dict[str, list[str]] = {}

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        if parser is None:
            settled = self._parsers.get(urlparse_cached(request).netloc)
            if not isinstance(settled, Deferred):
                parser = settled
        if parser is not None:
            self._remember(urlparse_cached(request).netloc, parser)
        return parser

    async def process_request(self, request: Request, spider: Any = None) -> None:
        await super().process_request(request)
        delay = self.crawl_delays.get(urlparse_cached(request).netloc)
        if delay:
            # AutoThrottle would otherwise average the delay back down towards the latency.
            request.meta["autothrottle_dont_adjust_delay"] = True
            self._apply_delay(request, delay)

    def _remember(self, netloc: str, parser: RobotParser) -> None:
        if netloc in self.sitemaps:
            return
        protego = getattr(parser, "rp", None)
        agent = self._robotstxt_useragent or self._default_useragent
        delay = None
        sitemaps: list[str] = []
        if protego is not None:
            delay = protego.crawl_delay(agent)
            sitemaps = list(protego.sitemaps)
        self.sitemaps[netloc] = sitemaps
        if delay:
            self.crawl_delays[netloc] = min(float(delay), MAX_CRAWL_DELAY)
            logger.info("Crawl-delay %.1f s for %s", self.crawl_delays[netloc], netloc)

    def _apply_delay(self, request: Request, delay: float) -> None:
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        downloader.per_slot_settings.setdefault(key, {})["delay"] = delay
        slot = downloader.slots.get(key)
        if slot is not None and slot.delay < delay:
            slot.delay = delay
