"""Run a crawl in a child process and return its summary.

Scrapy's reactor cannot be restarted, so every ``crawl()`` call runs ``python -m crawler.crawl_child`` in a
fresh process that opens its own store from ``db_url``. Everything the child learns is committed to the
store as it goes; a killed child loses at most the municipalities in progress, which the next call
with the same ``run_id`` crawls again (finished ones are skipped).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from base.errors import CrawlError
from base.municipalities import Municipality
from base.redact import redact
from base.settings import CrawlSettings
from base.spawn import absolute, python_child
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
        proc = python_child("crawler.crawl_child", ["--job", "-", "--summary", absolute(workdir / "summary.json"),
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
