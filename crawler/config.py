"""The crawler's own settings: one frozen dataclass, read once from ``KOMMUNPROGRAM_CRAWL_*``.

docs/crawler.md has the reference table (name, type, default, example). Every bad value is rejected in
``__post_init__`` with a message that names it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from base.errors import UsageError

PREFIX = "KOMMUNPROGRAM_CRAWL_"
VERSION = "0.1.0"
DEFAULT_USER_AGENT = (
    f"kommunprogram/{VERSION} (+https://github.com/kommunprogram/kommunprogram; "
    "inventory of municipal business programmes)"
)
# Only sent to a host that answered 403 to the honest agent, and only if browser_ua_fallback is on.
BROWSER_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 "
    "(compatible; kommunprogram; +https://github.com/kommunprogram/kommunprogram)"
)
STRATEGIES = ("best_first", "breadth_first")
GUIDES = ("model", "keywords")


@dataclass(frozen=True)
class CrawlConfig:
    budget: int = 200  # requests per municipality (chosen by bench/bench_crawl.py)
    strategy: str = "best_first"  # breadth_first = the benchmark's baseline (FIFO, no shortcuts)
    # model: every page and document is read and scored by the programme model, which keeps candidates and
    # stops the crawl; keywords: only programme words in a title, link or URL do (the earlier crawler).
    guide: str = "model"
    model: str = ""  # the model artefact the crawl scores with (empty: the shipped one)
    inventory_year: int = 0  # the year a programme must be in force in to stop the crawl early (0: this year)
    keep_probability: float = 0.2  # a page the model gives this P(programme) is kept as a candidate
    confident_probability: float = 0.9  # a document this probable lets the crawl stop soon after it
    extract_workers: int = 2  # processes reading PDFs and DOCX during the crawl
    user_agent: str = DEFAULT_USER_AGENT
    browser_ua_fallback: bool = False
    browser_user_agent: str = BROWSER_USER_AGENT
    allow_private_addresses: bool = False
    max_download_bytes: int = 50 * 1024 * 1024
    max_bytes_per_municipality: int = 200 * 1024 * 1024  # then the municipality stops: byte_budget_exhausted
    max_bytes_per_run: int = 20 * 1024 * 1024 * 1024  # then the run stops: run_byte_budget_exhausted
    max_html_bytes: int = 2 * 1024 * 1024  # an HTML page is cut to this before it is parsed
    concurrent_municipalities: int = 32
    per_host_concurrency: int = 1
    autothrottle: bool = True
    download_timeout: float = 30.0
    dns_timeout: float = 10.0
    download_delay: float = 0.0  # minimum gap per host, on top of Crawl-delay and AutoThrottle
    max_retry_after: float = 120.0  # longest Retry-After honoured; longer means blocked_by_server
    use_search: bool = True
    use_sitemaps: bool = True
    max_sitemap_urls: int = 5000  # <loc> entries read per site (one sitemap can flood a frontier)
    max_frontier: int = 4000  # links kept per municipality (lowest scores dropped)
    stop_after_hit: int = 25  # after a hit, stop when this many requests find no new hit
    stop_after_confident: int = 10  # after a confident hit, stop when this many requests find no new hit
    stop_without_hub: int = 80  # give up when this many requests found no Tier-1/Tier-2 link
    log_level: str = "WARNING"
    log_file: str = ""  # the crawl child's Scrapy log (appended); empty = kept only on failure

    def __post_init__(self) -> None:
        positive = ("budget", "max_download_bytes", "concurrent_municipalities", "per_host_concurrency",
                    "max_sitemap_urls", "max_frontier", "stop_after_hit", "stop_without_hub",
                    "max_bytes_per_municipality", "max_bytes_per_run", "max_html_bytes", "stop_after_confident",
                    "extract_workers")
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise UsageError(f"{PREFIX}{name.upper()}={value!r}: must be a positive integer")
        if self.per_host_concurrency > 2:
            raise UsageError(f"{PREFIX}PER_HOST_CONCURRENCY={self.per_host_concurrency}: at most 2 (politeness)")
        for name in ("download_timeout", "dns_timeout", "max_retry_after"):
            if getattr(self, name) <= 0:
                raise UsageError(f"{PREFIX}{name.upper()}={getattr(self, name)!r}: must be > 0")
        if self.download_delay < 0:
            raise UsageError(f"{PREFIX}DOWNLOAD_DELAY={self.download_delay!r}: must be >= 0")
        for name in ("keep_probability", "confident_probability"):
            if not 0.0 < getattr(self, name) < 1.0:
                raise UsageError(f"{PREFIX}{name.upper()}={getattr(self, name)!r}: must be a probability in (0, 1)")
        if self.guide not in GUIDES:
            raise UsageError(f"{PREFIX}GUIDE={self.guide!r}: choose one of {', '.join(GUIDES)}")
        if self.strategy not in STRATEGIES:
            raise UsageError(f"{PREFIX}STRATEGY={self.strategy!r}: choose one of {', '.join(STRATEGIES)}")
        if "http" not in self.user_agent:
            raise UsageError(f"{PREFIX}USER_AGENT={self.user_agent!r}: must contain a contact URL")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise UsageError(f"{PREFIX}LOG_LEVEL={self.log_level!r}: DEBUG, INFO, WARNING or ERROR")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> CrawlConfig:
        """Read ``KOMMUNPROGRAM_CRAWL_<FIELD>`` variables; keyword overrides win (CLI flags)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _parse(f.name, str(f.type), raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CrawlConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UsageError(f"unknown crawl setting(s): {', '.join(unknown)}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _parse(name: str, type_name: str, raw: str) -> Any:
    key = PREFIX + name.upper()
    try:
        if type_name == "bool":
            low = raw.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
    except ValueError:
        raise UsageError(f"{key}={raw!r}: expected {type_name}") from None
    return raw
