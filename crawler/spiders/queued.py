"""The distributed crawl child's spider: the programme spider, fed from the Redis queue by scrapy-redis.

scrapy-redis's ``RedisSpider`` is the usual way to feed a Scrapy spider from Redis: it connects from the
``REDIS_*`` settings, takes start data from ``redis_key`` (``fetch_data``), turns each item into requests
(``make_request_from_data``) and keeps the spider open while it waits for more (``spider_idle``, up to
``MAX_IDLE_TIME_BEFORE_CLOSE``). Here an item is one municipality job, and three of its parts are
replaced, each for a must-have of the distributed inventory:

* The list pop. scrapy-redis takes items with ``LRANGE`` + ``LTRIM``, so a worker killed with ``kill -9``
  loses what it took. Claims here are Redis's reliable-queue ``LMOVE`` onto the worker's processing list
  (``JobSource.claim``), acknowledged only after the store has committed the outcome.
* The batch. scrapy-redis fetches a batch when the whole engine is idle, which would leave a worker's
  slots empty while the slowest site of a batch finishes. Here one job is claimed each time one of the
  ``concurrent_municipalities`` slots frees up, and the idle hook only tops up.
* The request. A job becomes the municipality's seeded best-first frontier (``ProgramSpider._activate``),
  not one URL: the whole municipality is crawled in this worker, so per-host politeness holds across
  workers.

scrapy-redis's scheduler and dupefilter are not used: they share single requests between processes,
which is what per-municipality sharding must not do (docs/operations.md, section 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from scrapy import Request
from scrapy_redis.spiders import RedisMixin

from base.settings import CrawlSettings
from crawler.queue import JobSource
from crawler.recorder import Recorder
from crawler.spiders.program import ProgramSpider


class QueuedProgramSpider(RedisMixin, ProgramSpider):  # type: ignore[misc]  # scrapy-redis is untyped
    name = "program-queued"

    def __init__(self, source: JobSource, recorder: Recorder, config: CrawlSettings, **kwargs: Any) -> None:
        super().__init__(municipalities=(), recorder=recorder, config=config, **kwargs)
        self.source = source
        self.redis_key = source.pending_key
        self.redis_batch_size = 1

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> QueuedProgramSpider:
        spider = cast(QueuedProgramSpider, super().from_crawler(crawler, *args, **kwargs))
        spider.setup_redis(crawler)  # connection, idle signal and fetch_data (= our pop_list_queue)
        return spider

    def pop_list_queue(self, redis_key: str, batch_size: int) -> list[bytes]:
        if redis_key != self.source.pending_key:
            raise ValueError(f"redis_key {redis_key!r} is not the run's queue {self.source.pending_key!r}")
        return self.source.claim(batch_size)

    def make_request_from_data(self, data: bytes) -> Iterator[Request]:
        muni = self.source.admit(data)
        return iter(()) if muni is None else self._activate(muni)

    def _activate_more(self) -> Iterator[Request]:
        while self._free_slots() > 0:
            claimed = self.fetch_data(self.redis_key, 1)
            if not claimed:
                return
            yield from self.make_request_from_data(claimed[0])

    def next_requests(self) -> Iterator[Request]:
        """What scrapy-redis schedules when the engine is idle: as many jobs as there are free slots."""
        return self._activate_more()
