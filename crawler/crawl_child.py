"""The crawl child: ``python -m crawler.crawl_child`` runs one crawl job in Scrapy's reactor and writes its
summary. ``crawler.run`` starts it (Scrapy's reactor cannot be restarted in one process) and reads the
summary; this module is apart so that the parent never loads Scrapy and the spider.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from scrapy.crawler import CrawlerProcess

from base.municipalities import Municipality
from base.redact import install as install_redaction
from base.settings import CrawlSettings
from base.spawn import die_with_parent, peak_rss_mb
from base.store import Store
from crawler.recorder import Recorder
from crawler.run import CrawlSummary
from crawler.scrapy_settings import scrapy_settings
from crawler.spiders.program import ProgramSpider


def _run_child(job_path: Path, summary_path: Path, log_path: Path | None, parent_pid: int) -> int:
    if parent_pid:
        die_with_parent(parent_pid)
    job = json.loads(sys.stdin.read() if str(job_path) == "-" else job_path.read_text(encoding="utf-8"))
    config = CrawlSettings.from_dict(job["config"])
    municipalities = [Municipality(**{**m, "alt_hosts": tuple(m.get("alt_hosts", ())),
                                      "business_hosts": tuple(m.get("business_hosts", ()))})
                      for m in job["municipalities"]]
    store = Store.open(job["db_url"])
    recorder = Recorder(store, int(job["run_id"]))
    settings = scrapy_settings(config)
    if log_path is not None:
        settings["LOG_FILE"] = str(log_path)
        settings["LOG_FILE_APPEND"] = True
    started = time.monotonic()
    process = CrawlerProcess(settings=settings)
    install_redaction(job["db_url"])  # Scrapy's log handler is in place now: no password in the crawl log
    crawler = process.create_crawler(ProgramSpider)
    process.crawl(crawler, municipalities=municipalities, recorder=recorder, config=config)
    process.start()
    wall = time.monotonic() - started
    spider: ProgramSpider = crawler.spider  # type: ignore[assignment]
    store.close()
    if spider.fatal:
        print(f"crawl stopped: {spider.fatal}", file=sys.stderr)
        return 3
    stats = crawler.stats.get_stats() if crawler.stats else {}
    outcomes = spider.outcomes
    responses = int(stats.get("response_received_count", 0))
    summary = CrawlSummary(
        municipalities=len(outcomes), skipped=spider.skipped,
        statuses=dict(Counter(o["status"] for o in outcomes)),
        requests=sum(o["requests"] for o in outcomes),
        bytes_downloaded=sum(o["bytes_downloaded"] for o in outcomes),
        candidates=recorder.candidates, wall_seconds=round(wall, 3),
        peak_rss_mb=peak_rss_mb(),
        responses_per_s=round(responses / wall, 2) if wall else 0.0,
        robots_forbidden=int(stats.get("robotstxt/forbidden", 0)),
        outcomes=tuple(outcomes),
    )
    summary_path.write_text(json.dumps(asdict(summary), default=str), encoding="utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.crawl_child", description="crawl child process")
    parser.add_argument("--job", type=Path, required=True, help="the job JSON file, or - to read it from stdin")
    parser.add_argument("--summary", type=Path, required=True)
    parser.add_argument("--log", type=Path, default=None)
    parser.add_argument("--parent-pid", type=int, default=0, help="die with this process (0: never)")
    args = parser.parse_args(argv)
    return _run_child(args.job, args.summary, args.log, args.parent_pid)


if __name__ == "__main__":
    sys.exit(main())
