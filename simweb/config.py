"""Settings of the simulated municipal web: one frozen dataclass, validated on construction.

Every probability is a rate in [0, 1]; the defaults follow the estimates of
``municipal-web.md`` §2 (marked [E] there: simulation parameters, not measurements).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from base.errors import UsageError

from .scenarios import SCENARIOS as SCENARIO_TABLE

PLATFORMS = ("sv_old", "sv_short", "sv_html", "sv_new", "epi", "wp", "umb", "legacy")
SCENARIOS = tuple(SCENARIO_TABLE)  # the names of data/scenarios.toml
TRAP_FAMILIES = (
    "sv_state",  # Sitevision state / portlet parameters (only on Sitevision)
    "jsessionid",  # ;jsessionid= in hrefs (only on Sitevision)
    "calendar",  # endless ?date= / ?month= calendar
    "facets",  # faceted document library with lp-page paging
    "news_paging",  # news archive ?page=N up to 200 pages, tag pages
    "search_links",  # "Populära sökningar" search result pages
    "print_share",  # ?print=true views, ReadSpeaker and share links
    "sister_domain",  # sister host mirroring the municipal pages
    "stale_download",  # stale download timestamps -> 301, deleted nodes -> 404
    "redirect_loop",  # ASP.NET AspxAutoDetectCookieSupport redirect loop (only on legacy)
    "soft404",  # missing paths answer 200 "Sidan kunde inte hittas"
    "sida_loop",  # href="sida/" on a trailing-slash host -> /sida/sida/...
)


def _mix(**kw: float) -> dict[str, float]:
    return dict(kw)


@dataclass(frozen=True)
class SimConfig:
    """Generator and server settings. ``for_tests()`` gives fast, nearly fault-free settings."""

    inventory_year: int = 2026
    nominal_port: int = 8470  # port written into truth.json / municipalities.csv; serve rewrites it
    platform_mix: dict[str, float] = field(
        default_factory=lambda: _mix(
            sv_old=0.18, sv_short=0.06, sv_html=0.18, sv_new=0.18, epi=0.27, wp=0.06, umb=0.03, legacy=0.04
        )
    )
    scenario_probs: dict[str, float] = field(
        # P8 (nothing in force) is weighted up from §2.6's 0.10 to a 60 % share: the 2017 manual inventory
        # found a programme in force in only 40 % of municipalities, and statistics here should look alike
        default_factory=lambda: _mix(P1=0.35, P2=0.20, P3=0.12, P4=0.10, P5=0.06, P6=0.04, P7=0.03, P8=1.35)
    )
    # pages per site by size class (small, medium, large); capped by max_pages
    size_mix: dict[str, float] = field(default_factory=lambda: _mix(small=0.6, medium=0.3, large=0.1))
    pages_small: tuple[int, int] = (150, 400)
    pages_medium: tuple[int, int] = (400, 1200)
    pages_large: tuple[int, int] = (1200, 3000)
    max_pages: int = 3000
    news_articles: tuple[int, int] = (30, 150)
    decoys_per_site: tuple[int, int] = (5, 25)
    decoy_pdf_share: float = 0.35  # the rest are HTML pages (keeps generation fast)
    # extras on top of the scenario (§2.6)
    old_version: float = 0.30
    extended: float = 0.05
    robots_blocked_programme: float = 0.01
    named_plan_or_policy: float = 0.20
    combined_programme: float = 0.10
    separate_action_plan: float = 0.25
    draft_of_next: float = 0.08
    legacy_hub: float = 0.15  # an old-generation hub listing the expired programme (with an old version)
    # formats of programme documents (the HTML share comes from scenario P3)
    scanned_share: float = 0.05
    docx_share: float = 0.04
    header_table: float = 0.70
    hyphenated_title: float = 0.05
    filename_quirk: float = 0.35
    # hosts
    site_down: float = 0.01
    business_host: float = 0.10
    meeting_host: float = 0.30
    meeting_robots_block_all: float = 0.5
    extra_host_gone: float = 0.01
    # a non-www twin host (its own address) that redirects to the main host: 301 to the same path, or
    # (Oskarshamn type, §1.2) 302 from *every* path to the www home page; some are what the list names
    nonwww_twin: float = 0.30
    nonwww_home_redirect: float = 0.25  # share of twins of the Oskarshamn type
    nonwww_listed: float = 0.30  # share of twins that municipalities.csv gives as the website (not forced sites)
    # URL styles (§2.5): a site whose old section was never migrated keeps a second style there
    url_style_mix: float = 0.15
    wp_cms_host: float = 0.30  # WordPress sites serving their documents from a cms. host (headless WP)
    # traps (probability per site; platform-restricted families ignore other platforms)
    traps: dict[str, float] = field(
        default_factory=lambda: _mix(
            sv_state=0.8,
            jsessionid=0.2,
            calendar=0.6,
            facets=0.3,
            news_paging=0.9,
            search_links=0.5,
            print_share=0.7,
            sister_domain=0.05,
            stale_download=0.3,
            redirect_loop=0.5,
            soft404=0.3,
            sida_loop=0.02,
        )
    )
    jsessionid_link_share: float = 0.30
    news_max_pages: int = 200
    # robots.txt / sitemaps (§2.10)
    robots_sv_params: float = 0.5
    robots_epi: float = 0.4
    robots_missing: float = 0.2
    robots_crawl_delay: float = 0.1
    robots_search_disallowed: float = 0.1
    sitemap_present: float = 0.6
    sitemap_gz_index: float = 0.3
    sitemap_pages_only_sv: float = 0.8
    sitemap_stale: float = 0.1
    sitemap_missing_programme: float = 0.2
    search_500_non_utf8: float = 0.1
    # faults (§2.12); per-request faults are hashed from (seed, host, path, attempt)
    faults_enabled: bool = True
    ua_403_epi: float = 0.3
    rate_limit_hosts: float = 0.1
    rate_limit_rps: float = 10.0
    retry_after_s: int = 2
    empty_reply: float = 0.005
    timeout: float = 0.002
    timeout_hold_s: float = 10.0  # long enough to trip a crawler's read timeout, short enough for a demo
    burst_sites: float = 0.01
    burst_seconds: float = 30.0
    wrong_content_type: float = 0.05
    content_disposition: float = 0.5
    legacy_latin1: float = 0.5
    # latency per request in milliseconds (uniform in the range), divided by speedup
    latency_ms: tuple[float, float] = (0.0, 0.0)
    speedup: float = 1.0
    # make the first sites cover every demo scenario (see scenarios.COVERAGE)
    ensure_coverage: bool = True

    def __post_init__(self) -> None:
        for name in (
            "old_version",
            "extended",
            "robots_blocked_programme",
            "named_plan_or_policy",
            "combined_programme",
            "separate_action_plan",
            "draft_of_next",
            "legacy_hub",
            "scanned_share",
            "docx_share",
            "header_table",
            "hyphenated_title",
            "filename_quirk",
            "site_down",
            "business_host",
            "meeting_host",
            "meeting_robots_block_all",
            "extra_host_gone",
            "nonwww_twin",
            "nonwww_home_redirect",
            "nonwww_listed",
            "url_style_mix",
            "wp_cms_host",
            "jsessionid_link_share",
            "robots_sv_params",
            "robots_epi",
            "robots_missing",
            "robots_crawl_delay",
            "robots_search_disallowed",
            "sitemap_present",
            "sitemap_gz_index",
            "sitemap_pages_only_sv",
            "sitemap_stale",
            "sitemap_missing_programme",
            "search_500_non_utf8",
            "ua_403_epi",
            "rate_limit_hosts",
            "empty_reply",
            "timeout",
            "burst_sites",
            "wrong_content_type",
            "content_disposition",
            "legacy_latin1",
            "decoy_pdf_share",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise UsageError(f"SimConfig.{name}={value!r}: must be a rate in [0, 1]")
        for name, allowed in (
            ("platform_mix", PLATFORMS),
            ("scenario_probs", SCENARIOS),
            ("size_mix", ("small", "medium", "large")),
        ):
            mix = getattr(self, name)
            unknown = set(mix) - set(allowed)
            if unknown or not mix or any(v < 0 for v in mix.values()) or sum(mix.values()) <= 0:
                raise UsageError(f"SimConfig.{name}={mix!r}: keys must be among {allowed}, weights >= 0")
        unknown = set(self.traps) - set(TRAP_FAMILIES)
        if unknown or any(not 0 <= v <= 1 for v in self.traps.values()):
            raise UsageError(f"SimConfig.traps={self.traps!r}: keys among {TRAP_FAMILIES}, rates in [0, 1]")
        for name in ("pages_small", "pages_medium", "pages_large", "news_articles", "decoys_per_site", "latency_ms"):
            lo, hi = getattr(self, name)
            if lo < 0 or hi < lo:
                raise UsageError(f"SimConfig.{name}={(lo, hi)!r}: need 0 <= low <= high")
        if not 2000 <= self.inventory_year <= 2100:
            raise UsageError(f"SimConfig.inventory_year={self.inventory_year!r}: expected a year 2000-2100")
        if self.speedup <= 0:
            raise UsageError(f"SimConfig.speedup={self.speedup!r}: must be > 0")
        if self.max_pages < 30:
            raise UsageError(f"SimConfig.max_pages={self.max_pages!r}: must be >= 30")
        if not 1 <= self.nominal_port <= 65535:
            raise UsageError(f"SimConfig.nominal_port={self.nominal_port!r}: must be a TCP port")
        if self.rate_limit_rps <= 0 or self.timeout_hold_s < 0 or self.burst_seconds < 0:
            raise UsageError("SimConfig: rate_limit_rps must be > 0, timeout_hold_s and burst_seconds >= 0")

    @classmethod
    def for_tests(cls, **overrides: Any) -> SimConfig:
        """Small sites, zero latency, no random per-request faults (site-level scenarios stay)."""
        base: dict[str, Any] = dict(
            pages_small=(40, 80),
            pages_medium=(60, 120),
            pages_large=(80, 160),
            max_pages=200,
            news_articles=(12, 30),
            decoys_per_site=(5, 9),
            empty_reply=0.0,
            timeout=0.0,
            timeout_hold_s=0.2,
            burst_sites=0.0,
            rate_limit_hosts=0.0,
            latency_ms=(0.0, 0.0),
        )
        base.update(overrides)
        return cls(**base)

    def replace(self, **changes: Any) -> SimConfig:
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SimConfig:
        fields = {f.name: f for f in dataclasses.fields(cls)}
        kw: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k in fields}
        return cls(**kw)
