"""One municipality's frontier: best-first (heap by score) or breadth-first (FIFO, the baseline).

Deduplicates on canonical URLs and caps trap families when links are pushed, so a calendar or a facet
library can never take more than a few requests. Memory is bounded: past ``max_size`` the lowest
scores are dropped.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter, deque
from dataclasses import dataclass

from base.vocabulary import ROUTES  # noqa: F401  (documented here: LinkInfo.route is one of them)
from crawler.urls import TRAP_RULES, dedupe_key, trap_family


@dataclass(frozen=True)
class LinkInfo:
    """Why a URL is in the frontier: it travels in ``Request.meta`` to the callback."""

    score: float
    tier1: bool = False
    route: str = "link"
    source_page: str | None = None
    anchor: str | None = None
    kind: str = "page"  # page | search | sitemap
    offsite_hops: int = 0
    depth: int = 0


class Frontier:
    def __init__(self, *, best_first: bool = True, max_size: int = 4000, cap_traps: bool = True) -> None:
        self.best_first = best_first
        self.max_size = max_size
        self.cap_traps = cap_traps
        self._heap: list[tuple[float, int, str, LinkInfo]] = []
        self._fifo: deque[tuple[str, LinkInfo]] = deque()
        self._seq = itertools.count()
        self._seen: set[str] = set()
        self.family_counts: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()

    def __len__(self) -> int:
        return len(self._heap) if self.best_first else len(self._fifo)

    def seen(self, url: str) -> bool:
        return dedupe_key(url) in self._seen

    def mark_seen(self, url: str) -> None:
        self._seen.add(dedupe_key(url))

    def push(self, url: str, info: LinkInfo) -> bool:
        """Add a URL; False if already seen, over its trap-family cap, or the FIFO is full."""
        key = dedupe_key(url)
        if key in self._seen:
            return False
        if self.cap_traps:
            family = trap_family(url)
            if family is not None:
                name, fkey = family
                if self.family_counts[f"{name}:{fkey}"] >= TRAP_RULES[name].cap:
                    self.rejected[name] += 1
                    return False
                self.family_counts[f"{name}:{fkey}"] += 1
        if self.best_first:
            self._seen.add(key)
            heapq.heappush(self._heap, (-info.score, next(self._seq), url, info))
            if len(self._heap) > self.max_size:
                self._heap = heapq.nsmallest(self.max_size // 2, self._heap)
                heapq.heapify(self._heap)
            return True
        if len(self._fifo) >= self.max_size:
            self.rejected["full"] += 1
            return False
        self._seen.add(key)
        self._fifo.append((url, info))
        return True

    def pop(self) -> tuple[str, LinkInfo] | None:
        if self.best_first:
            if not self._heap:
                return None
            _, _, url, info = heapq.heappop(self._heap)
            return url, info
        return self._fifo.popleft() if self._fifo else None

    def best_score(self) -> float | None:
        if self.best_first:
            return -self._heap[0][0] if self._heap else None
        return self._fifo[0][1].score if self._fifo else None
