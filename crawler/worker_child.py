"""The crawl child of a distributed worker: ``python -m crawler.worker_child``, started by ``inventory.worker``.

One child crawls one run's queue until it is empty: its spider (``crawler.spiders.queued``) claims a
municipality from Redis each time a slot frees up (``crawler.queue.JobSource``), and its recorder
acknowledges each job right after the store commits the municipality's outcome. It writes a JSON summary
for its worker and exits; the worker, not the child, waits for more work, heartbeats and reconciles.
A child because Scrapy's reactor cannot be restarted: every run the worker takes needs a fresh process,
and the worker itself never loads Scrapy.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess

from base.redact import redact_url
from base.settings import CrawlSettings
from base.spawn import die_with_parent, peak_rss_mb
from base.store import Store
from crawler.queue import PREFIX, JobSource, Keys, connect, redis_settings, run_fingerprint
from crawler.recorder import Recorder
from crawler.scrapy_settings import scrapy_settings
from crawler.spiders.queued import QueuedProgramSpider


class AckingRecorder(Recorder):
    """The crawler's sink, plus a Redis acknowledgement right after each municipality's outcome commits."""

    def __init__(self, store: Store, run_id: int, source: JobSource) -> None:
        super().__init__(store, run_id)  # type: ignore[arg-type]  # CrawlSink is keyword-only **kw (as in run.py)
        self.source = source

    def finish(self, code: str, **outcome: Any) -> None:
        super().finish(code, **outcome)
        self.source.ack(code)


def run_child(args: argparse.Namespace) -> int:
    """Crawl the run's queued municipalities until the queue is empty; write the summary the worker reads."""
    die_with_parent(args.parent_pid)
    keys = Keys(args.prefix)
    client = connect(args.redis)
    raw_config = client.get(keys.run(args.run_id, "config"))
    if raw_config is None:
        print(f"run {args.run_id} has no crawl config in Redis", file=sys.stderr)
        return 2
    config = CrawlSettings.from_dict({**json.loads(raw_config), **json.loads(args.overrides)})
    store = Store.open(args.db)
    run = store.run(args.run_id)
    fingerprint = client.get(keys.run(args.run_id, "fingerprint"))
    if run is None or fingerprint is None or fingerprint.decode() != run_fingerprint(run):
        print(f"run {args.run_id} of the Redis queue '{args.prefix}' is not run {args.run_id} of "
              f"{redact_url(args.db)}: "
              "the worker's --db must be the store the run was enqueued from", file=sys.stderr)
        return 2
    source = JobSource(client, keys, store, args.run_id, args.worker_id, args.max_attempts)
    recorder = AckingRecorder(store, args.run_id, source)
    settings = scrapy_settings(config)
    settings["LOG_FILE"] = str(args.log)
    settings["LOG_FILE_APPEND"] = True
    settings.update(redis_settings(args.redis))
    started = time.monotonic()
    process = CrawlerProcess(settings=settings)
    crawler = process.create_crawler(QueuedProgramSpider)
    process.crawl(crawler, source=source, recorder=recorder, config=config)
    process.start()
    spider: QueuedProgramSpider = crawler.spider  # type: ignore[assignment]
    store.close()
    client.close()
    summary = {"claimed": source.claimed, "acked": source.acked, "gave_up": source.gave_up,
               "requests": sum(int(o["requests"]) for o in spider.outcomes),
               "statuses": [o["status"] for o in spider.outcomes], "fatal": spider.fatal,
               "wall_seconds": round(time.monotonic() - started, 3),
               "peak_rss_mb": peak_rss_mb()}
    args.summary.write_text(json.dumps(summary), encoding="utf-8")
    return 3 if spider.fatal else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.worker_child",
                                     description="the crawl child of a distributed worker (started by the worker)")
    parser.add_argument("--redis", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--max-attempts", type=int, default=3)
    parser.add_argument("--prefix", default=PREFIX)
    parser.add_argument("--overrides", default="{}", help="per-machine crawl settings (JSON) over the run's")
    parser.add_argument("--summary", type=Path, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--parent-pid", type=int, required=True, help="die with this process")
    return run_child(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
