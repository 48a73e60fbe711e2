"""Run a crawl in a child process and return its summary.

Scrapy's reactor cannot be restarted, so every ``crawl()`` call runs ``python -m crawler.run`` in a
fresh process that opens its own store from ``db_url``. Everything the child learns is committed to the
store as it goes; a killed child loses at most the municipalities in progress, which the next call
with the same ``run_id`` crawls again (finished ones are skipped).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from base.errors import CrawlError
from base.municipalities import Municipality
from base.redact import install as install_redaction
from base.redact import redact
from base.settings import CrawlSettings
from base.spawn import absolute, die_with_parent, peak_rss_mb, python_child
from base.store import absolute_db_url


@dataclass(frozen=True)
class CrawlSummary:
    municipalities: int  # crawled in this call
    skipped: int  # already finished in this run (resume)
    statuses: dict[str, int]
    requests: int
    bytes_downloaded: int
    candidates: int
    wall_seconds: float
    peak_rss_mb: float
    responses_per_s: float
    robots_forbidden: int  # requests Scrapy refused to send because robots.txt disallows them
    outcomes: tuple[dict[str, Any], ...] = field(default=())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlSummary:
        return cls(**{**data, "outcomes": tuple(data.get("outcomes", ()))})


def _job(municipalities: Sequence[Municipality], db_url: str, run_id: int, config: CrawlSettings) -> dict[str, Any]:
    return {"municipalities": [asdict(m) for m in municipalities], "db_url": db_url, "run_id": run_id,
            "config": config.to_dict()}


def start_crawl_process(municipalities: Sequence[Municipality], *, db_url: str, run_id: int,
                        config: CrawlSettings, workdir: Path) -> subprocess.Popen[bytes]:
    """Start the crawl child without waiting (``crawl`` waits; tests use this to kill it mid-crawl).

    The job (with the database URL and its password) goes to the child through a pipe, never into a file:
    a killed run leaves its temporary folder behind, and nothing secret in it."""
    job = json.dumps(_job(municipalities, absolute_db_url(db_url), run_id, config)).encode("utf-8")
    log_path = Path(absolute(config.log_file if config.log_file else workdir / "crawl.log"))
    with open(log_path, "ab") as log:
        proc = python_child("crawler.run", ["--job", "-", "--summary", absolute(workdir / "summary.json"),
                                            "--log", str(log_path), "--parent-pid", str(os.getpid())],
                            stdin=subprocess.PIPE, stderr=log)
    assert proc.stdin is not None
    try:
        proc.stdin.write(job)
        proc.stdin.close()
    except BrokenPipeError:  # the child died before reading: its exit status says so to whoever waits
        pass
    return proc


def crawl(municipalities: Sequence[Municipality], *, db_url: str, run_id: int, config: CrawlSettings,
          on_wait: Callable[[], None] | None = None, wait_seconds: float = 1.0) -> CrawlSummary:
    """Crawl the municipalities into the store's run ``run_id``; callable many times in one process.

    ``on_wait`` is called every ``wait_seconds`` while the child crawls and once after it ends (progress
    displays read the store's ledger there); if it raises, the child is killed and the error goes on.
    """
    with tempfile.TemporaryDirectory(prefix="kommunprogram-crawl-") as tmp:
        workdir = Path(tmp)
        proc = start_crawl_process(municipalities, db_url=db_url, run_id=run_id, config=config, workdir=workdir)
        returncode = _wait(proc, on_wait, wait_seconds)
        summary = workdir / "summary.json"
        if returncode != 0 or not summary.exists():
            log = Path(config.log_file) if config.log_file else workdir / "crawl.log"
            tail = log.read_text(encoding="utf-8", errors="replace")[-1500:] if log.exists() else ""
            raise CrawlError(redact(f"crawl process exited with status {returncode}: {tail.strip()[-800:]}", db_url))
        return CrawlSummary.from_dict(json.loads(summary.read_text(encoding="utf-8")))


def _wait(proc: subprocess.Popen[bytes], on_wait: Callable[[], None] | None, wait_seconds: float) -> int:
    if on_wait is None:
        return proc.wait()
    try:
        while True:
            try:
                returncode = proc.wait(timeout=wait_seconds)
                break
            except subprocess.TimeoutExpired:
                on_wait()
        on_wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return returncode


def _run_child(job_path: Path, summary_path: Path, log_path: Path | None, parent_pid: int) -> int:
    from scrapy.crawler import CrawlerProcess

    # The child's own modules: the parent that only starts this process never loads Scrapy and the spider.
    from base.store import Store
    from crawler.recorder import Recorder
    from crawler.scrapy_settings import scrapy_settings
    from crawler.spiders.program import ProgramSpider

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
    parser = argparse.ArgumentParser(prog="python -m crawler.run", description="crawl child process")
    parser.add_argument("--job", type=Path, required=True, help="the job JSON file, or - to read it from stdin")
    parser.add_argument("--summary", type=Path, required=True)
    parser.add_argument("--log", type=Path, default=None)
    parser.add_argument("--parent-pid", type=int, default=0, help="die with this process (0: never)")
    args = parser.parse_args(argv)
    return _run_child(args.job, args.summary, args.log, args.parent_pid)


if __name__ == "__main__":
    sys.exit(main())
