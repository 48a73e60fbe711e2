"""Answers to numbered requests, handed back strictly in request order.

A municipality's crawl applies each response (or failure) in the order its requests were sent, so what it
fetches next depends on its responses and not on their timing or the process it runs in
(``tests/test_crawl_determinism.py``). ``SiteState.order`` holds one per municipality; the spider puts
answers in and takes them out (``ProgramSpider._arrive``).
"""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class InOrder(Generic[T]):
    """Hands back the answers to numbered requests (1, 2, 3, ...) strictly in request order: an answer that
    arrives before an earlier request's is held until that one is in."""

    def __init__(self) -> None:
        self.next_seq = 1
        self._held: dict[int, T] = {}

    def __len__(self) -> int:
        return len(self._held)

    def put(self, seq: int, item: T) -> bool:
        """Hold the answer to request ``seq``; False if that request was answered (or given up) before."""
        if seq < self.next_seq or seq in self._held:
            return False
        self._held[seq] = item
        return True

    def take(self) -> T | None:
        """The next answer in request order, or None while the next request is still unanswered."""
        item = self._held.pop(self.next_seq, None)
        if item is not None:
            self.next_seq += 1
        return item

    def give_up(self, issued: int) -> list[T]:
        """Requests up to ``issued`` still unanswered will never be (Scrapy dropped them): every held answer,
        in request order, and from now on only requests after ``issued`` are waited for."""
        held = [self._held.pop(seq) for seq in sorted(self._held)]
        self.next_seq = max(self.next_seq, issued + 1)
        return held
