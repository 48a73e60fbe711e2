"""Fault injection (municipal-web.md §2.12), decided by pure functions of (seed, host, target, attempt).

A retry of the same URL is a new attempt and gets a fresh draw, so "empty reply, then fine on
retry" happens as on real servers, and two runs against the same web see the same faults.
Time-based faults (429 rate limit, 5xx burst) depend on the request clock, not on a hash.
"""

from __future__ import annotations

import hashlib
import math
from collections import deque
from dataclasses import dataclass, field
from statistics import NormalDist

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


def latency_ms(bounds: tuple[float, float], host: str, target: str, attempt: int) -> float:
    """Per-request latency in [lo, hi]: a per-host level drawn log-normally (most hosts fast, a few
    slow, §2.3), times a per-request jitter of +-20 %."""
    lo, hi = bounds
    if hi <= 0:
        return 0.0
    if hi == lo:
        return lo
    # log-normal with ~95 % of hosts inside [lo, hi]: median at the geometric mean of the bounds
    a, b = math.log(max(lo, 1.0)), math.log(hi)
    z = NormalDist().inv_cdf(min(max(unit("host-latency", host), 1e-6), 1 - 1e-6))
    level = math.exp((a + b) / 2 + z * (b - a) / 4)
    jitter = 0.8 + 0.4 * unit("latency", host, target, attempt)
    return min(hi, max(lo, level * jitter))


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
