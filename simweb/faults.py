"""Fault injection (municipal-web.md §2.12), decided by pure functions of (seed, host, target, attempt).

A retry of the same URL is a new attempt and gets a fresh draw, so "empty reply, then fine on
retry" happens as on real servers, and two runs against the same web see the same faults.
Time-based faults (429 rate limit, 5xx burst) depend on the request clock, not on a hash.
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field

from .config import SimConfig

NON_BROWSER = ("bot", "crawler", "spider", "scrapy", "python", "curl", "wget", "httpx", "aiohttp", "go-http")


def unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from the parts."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def is_browser(user_agent: str) -> bool:
    """What a WAF rule of the Optimizely-host kind lets through: a Mozilla/5.0 UA without bot words."""
    ua = user_agent.lower()
    return ua.startswith("mozilla/5.0") and not any(w in ua for w in NON_BROWSER)


@dataclass(frozen=True)
class Fault:
    kind: str  # ua403 | rate_limit | burst | empty_reply | timeout
    status: int | None  # None: no HTTP response at all
    retry_after: int | None = None


@dataclass
class FaultPlan:
    seed: int
    cfg: SimConfig
    started: float
    recent: dict[str, deque[float]] = field(default_factory=dict)

    def burst_window(self, key: str) -> tuple[float, float]:
        start = self.started + unit(self.seed, key, "burst") * 60.0 / self.cfg.speedup
        return start, start + self.cfg.burst_seconds / self.cfg.speedup

    def decide(
        self, key: str, site: dict[str, object] | None, target: str, attempt: int, user_agent: str, now: float
    ) -> Fault | None:
        cfg = self.cfg
        if not cfg.faults_enabled:
            return None
        if site is not None:
            if site.get("ua403") and not is_browser(user_agent):
                return Fault("ua403", 403)
            if site.get("burst"):
                lo, hi = self.burst_window(key)
                if lo <= now < hi:
                    return Fault("burst", 503)
            if site.get("rate_limited"):
                q = self.recent.setdefault(key, deque())
                while q and q[0] < now - 1.0:
                    q.popleft()
                if len(q) >= cfg.rate_limit_rps:
                    return Fault("rate_limit", 429, cfg.retry_after_s)
                q.append(now)
        u = unit(self.seed, key, target, attempt)
        if u < cfg.empty_reply:
            return Fault("empty_reply", None)
        if u < cfg.empty_reply + cfg.timeout:
            return Fault("timeout", None)
        return None
