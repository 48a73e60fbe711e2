"""Polite Scrapy settings, derived from a ``CrawlSettings``. Comments say why each value is what it is."""

from __future__ import annotations

from typing import Any

from base.settings import CrawlSettings
from crawler.middlewares import BROWSER_UA_SETTING, MAX_RETRY_AFTER_SETTING, UA_FALLBACK_SETTING
from crawler.safety import SETTING as ALLOW_PRIVATE_SETTING

ROBOTS_TOKEN = "kommunprogram"  # the product token robots.txt rules are matched against


def scrapy_settings(config: CrawlSettings) -> dict[str, Any]:
    per_muni_in_flight = config.per_host_concurrency
    return {
        "BOT_NAME": "kommunprogram",
        "USER_AGENT": config.user_agent,  # honest, with a contact URL; the browser agent is opt-in only
        "ROBOTSTXT_OBEY": True,  # a hard rule: zero robots violations
        "ROBOTSTXT_USER_AGENT": ROBOTS_TOKEN,
        "ROBOTSTXT_PARSER": "scrapy.robotstxt.ProtegoRobotParser",  # Google-style wildcards, longest match
        # Each municipality keeps its own best-first frontier and only 1-2 requests in flight, so the
        # global limit is the number of municipalities crawled at once times that.
        "CONCURRENT_REQUESTS": max(16, config.concurrent_municipalities * per_muni_in_flight * 2),
        "CONCURRENT_REQUESTS_PER_DOMAIN": config.per_host_concurrency,
        "CONCURRENT_ITEMS": 10,
        "DOWNLOAD_DELAY": config.download_delay,
        "DOWNLOAD_DELAY_JITTER": 0.0,  # exact gaps: Crawl-delay and Retry-After are minimums
        "AUTOTHROTTLE_ENABLED": config.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(0.2, config.download_delay),
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,  # never more than one request's worth of load per host
        "DOWNLOAD_TIMEOUT": config.download_timeout,
        "DNS_TIMEOUT": config.dns_timeout,
        "TWISTED_DNS_RESOLVER": "crawler.safety.SafeResolver",
        "DOWNLOAD_MAXSIZE": config.max_download_bytes,  # also caps decompression bombs (ecosystem.md §1.2)
        "DOWNLOAD_WARNSIZE": 0,
        "REDIRECT_MAX_TIMES": 6,  # ASP.NET cookie-probe chains are 2-5 hops; more is a loop
        "METAREFRESH_ENABLED": False,  # soft-404 pages sometimes meta-refresh home: do not follow
        "COOKIES_ENABLED": True,  # ends AspxAutoDetectCookieSupport redirect probes
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 2,  # "empty reply" and dropped connections usually succeed on retry
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "HTTPERROR_ALLOW_ALL": False,
        "REFERRER_POLICY": "no-referrer",  # nothing leaks to third parties; the store records the source page
        "TELNETCONSOLE_ENABLED": False,
        "EXTENSIONS": {"scrapy.extensions.remote_control.RemoteControl": None},  # no listening ports
        "LOG_LEVEL": config.log_level.upper(),
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawler.robots.SafeRobotsTxtMiddleware": 100,
            "crawler.safety.AddressSafetyMiddleware": 50,  # before robots: never fetch robots.txt there
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.middlewares.RetryAfterMiddleware": 550,
            "crawler.middlewares.UserAgentFallbackMiddleware": 560,
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,  # the spider decides hosts
        },
        "SPIDER_MIDDLEWARES": {
            # These drop requests silently; the spider must see every outcome to keep its counts.
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
            "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
        },
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",  # the frontier dedupes canonical URLs
        ALLOW_PRIVATE_SETTING: config.allow_private_addresses,
        MAX_RETRY_AFTER_SETTING: config.max_retry_after,
        UA_FALLBACK_SETTING: config.browser_ua_fallback,
        BROWSER_UA_SETTING: config.browser_user_agent,
    }
