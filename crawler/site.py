"""The state of one municipality's crawl: hosts, frontier, counters, and the rules for admitting links."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from base.municipalities import Municipality
from base.settings import CrawlSettings
from crawler.frontier import Frontier, LinkInfo
from crawler.inorder import InOrder
from crawler.linkscore import LinkFeatures, fold, score_link
from crawler.linksignals import (
    BUSINESS_HOST_BONUS,
    DEPTH_PENALTY,
    MIN_FOLLOW_SCORE,
    OFFSITE_MIN_SCORE,
    SEARCH_TERMS,
    TIER1_SCORE,
)
from crawler.outcome import SiteCounts, decide
from crawler.pagescan import Link, PageScan, search_url
from crawler.sitemaps import SitemapContent
from crawler.urls import bare_host, canonical_url, host_variants, is_http

SEARCH_SCORE, SITEMAP_SCORE = 160.0, 150.0  # right after direct hits on the page that found them
HUB_SCORE = 30.0  # a new link at least this good counts as progress (Tier-2 hub or better)
MAX_BRAND_HOSTS = 3
MAX_BUSINESS_HOSTS = 3
# A page the model finds relevant makes its links more worth fetching (a programme page links its PDF, its
# action plan and its sub-pages): links on a page with P(programme) >= RELEVANT_PAGE get this much more.
RELEVANT_PAGE, RELEVANT_BONUS = 0.5, 40.0
# A business-promotion host names business in its host name or in the link to it ("Vänersborg Business",
# "naringsliv.kumla.se"), and the municipality in either: Almi or Företagarna are not the municipality's.
_BUSINESS_WORDS = re.compile(r"naringsliv|foretag|business|invest|etablera|vaxer|tillvaxt")
MAX_ROBOTS_BLOCKED_LISTED = 50


@lru_cache(maxsize=8192)  # twice per link scored: the page being read, and menu links that recur
def hostname(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


@dataclass
class SiteState:
    muni: Municipality
    config: CrawlSettings
    frontier: Frontier
    hosts: set[str]
    counts: SiteCounts = field(default_factory=SiteCounts)
    brand_hosts: set[str] = field(default_factory=set)
    business_hosts: set[str] = field(default_factory=set)  # crawled like the municipality's own hosts
    confident_at: int | None = None  # the request count when the model was first confident of a programme
    best_probability: float = 0.0
    best_url: str | None = None
    in_flight: int = 0
    bytes_downloaded: int = 0
    first_hit: int | None = None
    found_via: str | None = None
    last_hit_at: int = 0
    last_hub_at: int = 0
    robots_blocked: list[str] = field(default_factory=list)
    search_started: bool = False
    sitemap_hosts: set[str] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)
    routes: Counter[str] = field(default_factory=Counter)
    order: InOrder[Any] = field(default_factory=InOrder)  # responses and failures, applied in request order
    run_budget_spent: bool = False  # the run's byte budget is used up: stop at once (set by the spider)

    @classmethod
    def new(cls, muni: Municipality, config: CrawlSettings) -> SiteState:
        best_first = config.strategy == "best_first"
        hosts: set[str] = set()
        for host in (muni.host, *(bare_host(h) for h in muni.alt_hosts)):
            if host:
                hosts |= host_variants(host)
        frontier = Frontier(best_first=best_first, max_size=config.max_frontier, cap_traps=best_first)
        business = {bare_host(h) for h in muni.business_hosts if bare_host(h)} if best_first else set()
        return cls(muni=muni, config=config, frontier=frontier, hosts=hosts, business_hosts=business)

    @property
    def best_first(self) -> bool:
        return self.frontier.best_first

    def seed(self) -> None:
        home = canonical_url(self.muni.website)
        self.frontier.push(home, LinkInfo(score=1000.0, kind="page", anchor="start"))
        for host in self.muni.alt_hosts:
            alt = canonical_url(f"{urlsplit(self.muni.website).scheme}://{host}/")
            self.frontier.push(alt, LinkInfo(score=900.0, kind="page", anchor="start"))
        for host in sorted(self.business_hosts):  # listed in the municipality data
            start = canonical_url(f"{urlsplit(self.muni.website).scheme}://{host}/")
            self.frontier.push(start, LinkInfo(score=800.0, kind="page", anchor="business", route="offsite"))

    def is_business_link(self, host: str, anchor: str) -> bool:
        """Whether an off-site link from the municipality's pages leads to its business-promotion host."""
        if host in self.business_hosts:
            return True
        if len(self.business_hosts) >= MAX_BUSINESS_HOSTS or not self.best_first:
            return False
        words = fold(f"{host} {anchor}")
        name = re.sub(r"[^a-z]", "", fold(self.muni.name))[:5]
        return bool(name) and name in words.replace(" ", "").replace("-", "") and bool(_BUSINESS_WORDS.search(words))

    def stop_reason(self) -> str | None:
        c = self.counts
        if self.run_budget_spent:
            return "run_byte_budget_exhausted"
        if self.bytes_downloaded >= self.config.max_bytes_per_municipality:
            return "byte_budget_exhausted"
        if c.requests >= self.config.budget:
            return "budget_exhausted"
        if self.first_hit is not None:
            if c.requests - self.last_hit_at >= self.config.stop_after_hit:
                return "hit_done"
            # The model is sure it has the programme: a few more requests for its documents, then stop.
            if self.confident_at is not None and c.requests - self.last_hit_at >= self.config.stop_after_confident:
                return "hit_done"
            # After a hit only Tier-1/Tier-2 links are worth requests (older versions, action plans).
            best = self.frontier.best_score()
            if self.best_first and (best is None or best < HUB_SCORE):
                return "hit_done"
        if (self.best_first and self.first_hit is None
                and c.requests - self.last_hub_at >= self.config.stop_without_hub):
            return "no_progress"
        if not len(self.frontier) and not self.in_flight:
            return "frontier_exhausted"
        return None

    def note_hit(self, seq: int, route: str, score: float, *, confident: bool = False) -> None:
        """A hit: a candidate the model finds likely the programme (or, guided by keywords, a Tier-1 one)."""
        self.counts.best_candidate_score = max(self.counts.best_candidate_score, score)
        if self.first_hit is None:
            self.first_hit, self.found_via = seq, route
        if confident and self.confident_at is None:
            self.confident_at = self.counts.requests
        self.last_hit_at = self.counts.requests
        self.counts.tier1_candidates += 1

    def note_probability(self, url: str, probability: float) -> None:
        if probability > self.best_probability:
            self.best_probability, self.best_url = probability, url

    def note_robots_blocked(self, url: str, info: LinkInfo) -> None:
        if len(self.robots_blocked) < MAX_ROBOTS_BLOCKED_LISTED:
            self.robots_blocked.append(url)
        if info.anchor == "start":
            self.counts.home_robots_blocked = True
        # Only a page whose link names the programme could hold it: a disallowed search page or sitemap
        # is a shortcut lost, not the programme hidden.
        if info.tier1 and info.kind == "page":
            self.counts.tier1_robots_blocked += 1
            self.counts.best_blocked_score = max(self.counts.best_blocked_score, info.score)

    def admit(self, link: Link, scan: PageScan, page_url: str, parent: LinkInfo, route: str,
              bonus: float = 0.0) -> bool:
        """Score one link and push it if the host rules allow it. True if it was new."""
        if link.nofollow and not self.best_first:
            return False
        url = canonical_url(link.url)
        if self.frontier.seen(url) or not is_http(url):
            return False  # checked before scoring: most links on a page are menus seen before
        host = hostname(url)
        page_host = hostname(page_url)
        if (host not in self.hosts and bare_host(host) not in self.business_hosts and page_host in self.hosts
                and self.is_business_link(bare_host(host), link.anchor or "")):
            self.business_hosts.add(bare_host(host))
        on_business = bare_host(host) in self.business_hosts
        onsite = host in self.hosts or on_business
        if on_business and route == "link" and bare_host(page_host) not in self.business_hosts:
            route = "offsite"  # the business host was entered from the municipality's own pages
        on_brand = host in self.brand_hosts and page_host == host
        # Scored only where the score is used: not for a link the host rules refuse anyway.
        features = LinkFeatures(url=url, anchor=link.anchor, block=link.block, context=scan.context,
                                offsite_host="" if onsite else host)
        hops = parent.offsite_hops
        if not self.best_first:
            if not onsite:
                return False
            score = score_link(features)
        elif not (onsite or on_brand):
            # One hop to a business/brand host, only from the municipality's own pages.
            # Judged on the link's words only: an off-site URL is not the municipality's own naming.
            words = score_link(LinkFeatures(url="", anchor=link.anchor, block=link.block, context=scan.context,
                                            offsite_host=host))
            if hops or words.value < OFFSITE_MIN_SCORE or self.frontier.seen(url):
                return False
            if host not in self.brand_hosts and len(self.brand_hosts) >= MAX_BRAND_HOSTS:
                return False
            self.brand_hosts.add(host)
            route, hops = "offsite", 1
            score = score_link(features)
        else:
            score = score_link(features)
            if score.value < MIN_FOLLOW_SCORE:
                return False
        if self.best_first:
            bonus += (BUSINESS_HOST_BONUS if on_business else 0.0) - DEPTH_PENALTY * (parent.depth + 1)
        info = LinkInfo(score=score.value + bonus, tier1=score.tier1 and score.value >= TIER1_SCORE * 0.5,
                        route=route, source_page=page_url, anchor=link.anchor or None, kind="page", offsite_hops=hops,
                        depth=parent.depth + 1)
        if not self.frontier.push(url, info):
            return False
        if score.value >= HUB_SCORE:
            self.last_hub_at = self.counts.requests
        return True

    def admit_all(self, scan: PageScan, page_url: str, parent: LinkInfo, probability: float | None = None) -> int:
        # A page reached through a shortcut passes the shortcut's route on to what it links to.
        route = "search" if parent.kind == "search" else parent.route
        bonus = RELEVANT_BONUS if probability is not None and probability >= RELEVANT_PAGE else 0.0
        admitted = 0
        for link in scan.links:
            try:
                admitted += self.admit(link, scan, page_url, parent, route, bonus)
            except ValueError:  # a URL urllib refuses ("http://[::1", a port out of range): this link only
                self.counts.errors["bad_link"] += 1
        return admitted

    # -- shortcuts ------------------------------------------------------------------------------------
    def add_search(self, template: str, page_url: str) -> None:
        """Queue the search queries once per municipality (search usually indexes PDF text too)."""
        if self.search_started:
            return
        self.search_started = True
        for i, term in enumerate(SEARCH_TERMS):
            self.frontier.push(search_url(template, term), LinkInfo(
                score=SEARCH_SCORE - i, kind="search", route="search", source_page=page_url, anchor=term))

    def add_sitemaps(self, page_url: str, listed: list[str]) -> None:
        """Queue the host's sitemaps (robots.txt ``Sitemap:`` lines, else /sitemap.xml), once per host."""
        host = hostname(page_url)
        if (host not in self.hosts and bare_host(host) not in self.business_hosts) or host in self.sitemap_hosts:
            return
        self.sitemap_hosts |= host_variants(host)
        parts = urlsplit(page_url)
        for loc in (listed or [f"{parts.scheme}://{parts.netloc}/sitemap.xml"])[:3]:
            self.frontier.push(canonical_url(loc), LinkInfo(score=SITEMAP_SCORE, kind="sitemap", route="sitemap",
                                                            source_page=page_url))

    def read_sitemap(self, content: SitemapContent, sitemap_url: str) -> None:
        """Child sitemaps are queued; page URLs only if their own words make them a hub or better."""
        for loc in content.locs:
            url = canonical_url(loc)
            if hostname(url) not in self.hosts and bare_host(hostname(url)) not in self.business_hosts:
                continue
            if content.kind == "sitemapindex":
                self.frontier.push(url, LinkInfo(score=SITEMAP_SCORE - 1, kind="sitemap", route="sitemap"))
                continue
            if self.frontier.seen(url):
                continue  # push would refuse it before looking at the score: not worth scoring
            score = score_link(LinkFeatures(url=url))
            if score.value >= HUB_SCORE:
                self.frontier.push(url, LinkInfo(score=score.value, tier1=score.tier1, route="sitemap",
                                                 source_page=sitemap_url))

    # -- outcome ----------------------------------------------------------------------------------------
    def outcome(self, stop_reason: str) -> dict[str, Any]:
        """The keyword arguments of ``store.finish_municipality`` for this municipality."""
        self.counts.stop_reason = stop_reason
        status, why = decide(self.counts)
        detail = {
            "strategy": self.config.strategy, "budget": self.config.budget, "stop": stop_reason,
            "statuses": {str(k): v for k, v in self.statuses.items()}, "errors": dict(self.counts.errors),
            "brand_hosts": sorted(self.brand_hosts), "business_hosts": sorted(self.business_hosts),
            "frontier_left": len(self.frontier), "trap_rejected": dict(self.frontier.rejected),
            "candidates": self.counts.tier1_candidates, "guide": self.config.guide,
            "best_probability": round(self.best_probability, 4), "best_url": self.best_url,
            "confident_at": self.confident_at,
        }
        return dict(status=status, reason=why, requests=self.counts.requests, requests_to_first_hit=self.first_hit,
                    found_via=self.found_via, bytes_downloaded=self.bytes_downloaded,
                    robots_blocked=list(self.robots_blocked), detail=detail)
