"""Settings, read once and validated: one tree with the sections ``[run]``, ``[crawl]``, ``[extract]``
and ``[monitor]`` (``Settings``, built by ``read_settings``).

Sources, the later winning: the defaults below, the ``--config`` TOML file, ``KOMMUNPROGRAM_CRAWL_*``
environment variables (the crawl's, docs/crawler.md), and the command line. Every bad value is rejected
when the tree is built, with a message that names it; stages get their section, already checked.

The other variables of ``deploy/kommunprogram.env`` (``KOMMUNPROGRAM_DB``, ``KOMMUNPROGRAM_OUT``,
``KOMMUNPROGRAM_REDIS``) only fill the systemd units' command lines; no code reads them.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from pathlib import Path
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
class CrawlSettings:
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
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> CrawlSettings:
        """Read ``KOMMUNPROGRAM_CRAWL_<FIELD>`` variables; keyword overrides win (CLI flags)."""
        values = cls.env_values(environ)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @classmethod
    def env_values(cls, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The ``KOMMUNPROGRAM_CRAWL_<FIELD>`` variables that are set, parsed."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _parse(f.name, str(f.type), raw)
        return values

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CrawlSettings:
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


# -- [extract] ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtractSettings:
    """Limits for one document. ``isolate=False`` runs in-process (trusted input, profiling only)."""

    max_pages: int = 300
    max_bytes: int = 100 * 2**20
    timeout_s: float = 60.0
    ocr: bool = True
    docx_max_uncompressed: int = 200 * 2**20
    ocr_max_pages: int = 20  # at ~2.6 s/page (300 dpi), 20 pages fit the default time limit
    ocr_dpi: int = 300
    isolate: bool = True
    workers: int = 2  # documents read at once by the extract stage

    def __post_init__(self) -> None:
        for name in ("max_pages", "max_bytes", "docx_max_uncompressed", "ocr_max_pages", "workers"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise UsageError(f"ExtractSettings.{name} must be a positive integer, got {value!r}")
        if not isinstance(self.timeout_s, (int, float)) or not 0 < self.timeout_s <= 3600:
            raise UsageError(f"ExtractSettings.timeout_s must be in (0, 3600] seconds, got {self.timeout_s!r}")
        if not isinstance(self.ocr_dpi, int) or not 72 <= self.ocr_dpi <= 600:
            raise UsageError(f"ExtractSettings.ocr_dpi must be an integer in [72, 600], got {self.ocr_dpi!r}")


# -- [monitor] ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitorSettings:
    share_drop_points: float = 5.0  # percentage points between two runs, on the municipalities in both
    extraction_failure_share: float = 0.10  # of the run's distinct documents
    min_extraction_failures: int = 3  # below this many, a high share is noise (2 of 5 documents)

    def __post_init__(self) -> None:
        if not 0 < self.share_drop_points <= 100:
            raise UsageError(f"share_drop_points={self.share_drop_points!r}: must be in (0, 100]")
        if not 0 <= self.extraction_failure_share < 1:
            raise UsageError(f"extraction_failure_share={self.extraction_failure_share!r}: must be in [0, 1)")
        if self.min_extraction_failures < 1:
            raise UsageError(f"min_extraction_failures={self.min_extraction_failures!r}: must be >= 1")


# -- [run] -------------------------------------------------------------------------------------

DEFAULT_DB = "outputs/kommunprogram.sqlite"


@dataclass(frozen=True)
class RunSettings:
    year: int
    db_url: str = DEFAULT_DB
    out_dir: Path | None = None  # default outputs/<year>/
    municipalities_csv: Path | None = None  # default: the bundled list of 290
    allow_private_addresses: bool = False
    overrides: Path | None = None
    contact: str | None = None  # the operator's e-mail or URL, put into the crawler's User-Agent
    model: Path | None = None  # the model artefact to crawl and classify with (default: the shipped one)

    def __post_init__(self) -> None:
        this_year = date.today().year
        if not 1990 <= self.year <= this_year + 1:
            raise UsageError(f"--year {self.year} is out of range; use a year from 1990 to {this_year + 1}")
        if self.contact is not None:
            check_contact(self.contact)
        if self.overrides is not None and not self.overrides.is_file():
            raise UsageError(f"{self.overrides}: overrides file not found")
        if self.model is not None and not Path(self.model).exists():
            raise UsageError(f"{self.model}: model artefact not found")

    @property
    def output_dir(self) -> Path:
        return self.out_dir if self.out_dir is not None else Path("outputs") / str(self.year)


# An e-mail address or a web address: something a municipal webmaster can write to.
_REACHABLE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+|https?://\S+")


def check_contact(contact: str) -> str:
    """The operator's contact, checked: reachable (e-mail or URL), one line, short enough for a header."""
    if any(ord(c) < 32 or ord(c) == 127 for c in contact):
        raise UsageError("contact must be one line without control characters")
    if len(contact) > 200:
        raise UsageError(f"contact is {len(contact)} characters long; at most 200 fit a User-Agent")
    if not _REACHABLE.search(contact):
        raise UsageError(f"contact {contact!r} names no e-mail address or http(s) URL; webmasters must be "
                         "able to reach the operator")
    return contact


def user_agent_with_contact(user_agent: str, contact: str) -> str:
    """``kommunprogram/0.1.0 (+URL; ...; operator: CONTACT)``: the contact inside the comment, if any."""
    contact = check_contact(contact).replace("(", "[").replace(")", "]")  # a comment cannot nest unbalanced
    if user_agent.endswith(")"):
        return f"{user_agent[:-1]}; operator: {contact})"
    return f"{user_agent} (operator: {contact})"


def ensure_writable_dir(path: Path, what: str = "--out") -> Path:
    """Create ``path`` if needed and prove a file can be written there, before any long work starts."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-check-"):
            pass
    except FileExistsError:
        raise UsageError(f"{what} {path}: exists and is not a folder") from None
    except OSError as exc:
        raise UsageError(f"{what} {path}: cannot write there ({exc.strerror or exc})") from None
    return path


def read_config_file(path: Path | None) -> dict[str, Any]:
    """Read an optional TOML config file ([crawl] and [run] tables)."""
    if path is None:
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise UsageError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise UsageError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}; allowed: {', '.join(SECTIONS)}")
    return data


# -- the tree ------------------------------------------------------------------------------------

SECTIONS = ("run", "crawl", "extract", "monitor")


@dataclass(frozen=True)
class Settings:
    """Every setting of a command, read once (``read_settings``) and checked: the stages get their section."""

    run: RunSettings
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    monitor: MonitorSettings = field(default_factory=MonitorSettings)


def _section(cls: Any, name: str, values: Mapping[str, Any], source: Path | None) -> Any:
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        where = f"{source}: [{name}]" if source else f"[{name}]"
        raise UsageError(f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    try:
        return cls(**values)
    except TypeError as exc:  # a wrong type that __post_init__ does not name
        raise UsageError(f"[{name}]: {exc}") from None


def read_settings(*, config: Path | None = None, environ: Mapping[str, str] | None = None,
                  run: Mapping[str, Any], crawl: Mapping[str, Any] | None = None) -> Settings:
    """The settings tree: defaults < ``config`` (TOML) < ``KOMMUNPROGRAM_CRAWL_*`` in ``environ`` < the
    command line (``run`` and ``crawl``: values the CLI was given; None means not given)."""
    data = read_config_file(config)
    given = {k: v for k, v in run.items() if v is not None}
    run_values = {**data.get("run", {}), **given}
    if "model" in run_values:
        run_values["model"] = Path(run_values["model"])
    run_settings = _section(RunSettings, "run", run_values, config)
    file_crawl = dict(data.get("crawl", {}))
    _section(CrawlSettings, "crawl", file_crawl, config)  # names a bad key of the file before the env is merged
    crawl_values = {**file_crawl, **CrawlSettings.env_values(environ),
                    **{k: v for k, v in (crawl or {}).items() if v is not None},
                    "allow_private_addresses": run_settings.allow_private_addresses,
                    "inventory_year": run_settings.year}
    if run_settings.model is not None:
        crawl_values["model"] = str(run_settings.model)
    crawl_settings = CrawlSettings(**crawl_values)
    if run_settings.contact:
        crawl_settings = replace(crawl_settings, user_agent=user_agent_with_contact(crawl_settings.user_agent,
                                                                                     run_settings.contact))
    return Settings(run=run_settings, crawl=crawl_settings,
                    extract=_section(ExtractSettings, "extract", data.get("extract", {}), config),
                    monitor=_section(MonitorSettings, "monitor", data.get("monitor", {}), config))
