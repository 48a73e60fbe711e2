"""Downloader middlewares for politeness: 429 Retry-After and the opt-in browser User-Agent fallback."""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.robots import SafeRobotsTxtMiddleware

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

MAX_RETRY_AFTER_SETTING = "KOMMUNPROGRAM_MAX_RETRY_AFTER"
UA_FALLBACK_SETTING = "KOMMUNPROGRAM_BROWSER_UA_FALLBACK"
BROWSER_UA_SETTING = "KOMMUNPROGRAM_BROWSER_USER_AGENT"
RATE_LIMIT_RETRIES = 4


def parse_retry_after(value: str | bytes | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if absent or bad."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class RetryAfterMiddleware(RetryMiddleware):
    """Retry 429 (and 503 with Retry-After) after the server's requested pause, set as the host's delay.

    The pause is applied to the host's download slot, so the whole host backs off, not only the
    request. A Retry-After above ``max_retry_after`` is not waited for: the response goes to the spider,
    which records the municipality as blocked_by_server.
    """

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.max_retry_after = settings.getfloat(MAX_RETRY_AFTER_SETTING, 120.0)
        self._normal_delay: dict[str, float] = {}  # slot -> delay before the server asked us to wait

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Any:
        if request.meta.get("dont_retry", False):
            return response
        wait = parse_retry_after(response.headers.get(b"Retry-After"))
        if response.status < 400 and request.meta.get("retry_after_slot"):
            self._restore(request.meta["retry_after_slot"])
        if response.status == 429 or (response.status == 503 and wait is not None):
            wait = 5.0 if wait is None else wait
            if wait > self.max_retry_after:
                return response
            self._slow_down(request, wait)
            assert self.crawler.spider is not None
            retry = get_retry_request(request, reason=f"{response.status} Retry-After {wait:g}s",
                                      spider=self.crawler.spider, max_retry_times=RATE_LIMIT_RETRIES)
            if retry is None:
                return response
            retry.meta["autothrottle_dont_adjust_delay"] = True
            retry.meta["retry_after_slot"] = self.crawler.engine.downloader.get_slot_key(request)
            return retry
        return super().process_response(request, response)

    def _slow_down(self, request: Request, wait: float) -> None:
        self.crawler.stats.inc_value("kommunprogram/retry_after")
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            key = downloader.get_slot_key(request)
            self._normal_delay.setdefault(key, slot.delay)
            slot.delay = max(slot.delay, wait)
            slot.lastseen = time.monotonic()  # the wait counts from now (Scrapy uses monotonic time)
            logger.info("Retry-After %.1f s from %s", wait, urlparse_cached(request).hostname)


    def _restore(self, key: str) -> None:
        """The retry succeeded: back to the host's normal pace (Crawl-delay and AutoThrottle still apply)."""
        normal = self._normal_delay.pop(key, None)
        slot = self.crawler.engine.downloader.slots.get(key)
        if normal is not None and slot is not None:
            slot.delay = normal


class UserAgentFallbackMiddleware:
    """Opt-in: a host that answers 403 to the honest agent is retried once with a browser-like agent.

    The browser agent still names the project and its URL. When a host switches agent its robots.txt
    is fetched again with that agent (the first copy may have been a 403 page read as allow-all).
    """

    def __init__(self, crawler: Crawler, enabled: bool, browser_ua: str) -> None:
        self.crawler = crawler
        self.enabled = enabled
        self.browser_ua = browser_ua
        self.browser_hosts: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UserAgentFallbackMiddleware:
        return cls(crawler, crawler.settings.getbool(UA_FALLBACK_SETTING),
                   crawler.settings.get(BROWSER_UA_SETTING) or "")

    def process_request(self, request: Request, spider: Any = None) -> None:
        if urlparse_cached(request).netloc in self.browser_hosts:
            request.headers[b"User-Agent"] = self.browser_ua

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Any:
        netloc = urlparse_cached(request).netloc
        if (not self.enabled or response.status != 403 or netloc in self.browser_hosts
                or request.meta.get("ua_fallback_tried")):
            return response
        self.browser_hosts.add(netloc)
        self.crawler.stats.inc_value("kommunprogram/ua_fallback")
        logger.info("403 from %s: switching to the browser User-Agent (opt-in fallback)", netloc)
        for mw in self.crawler.engine.downloader.middleware.middlewares:
            # A settled robots.txt may be the 403 page read as allow-all: fetch it again as the browser.
            # A pending one (this response may be the robots.txt itself) resolves with the retry.
            if isinstance(mw, SafeRobotsTxtMiddleware) and not isinstance(mw._parsers.get(netloc), Deferred):
                mw._parsers.pop(netloc, None)
                mw.sitemaps.pop(netloc, None)
        retry = request.replace(dont_filter=True)
        retry.meta["ua_fallback_tried"] = True
        return retry
