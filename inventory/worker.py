"""The distributed crawl's worker: the long-lived ``kommunprogram worker`` process (one per systemd unit).

A worker registers in the Redis queue (``crawler.queue``) and keeps a heartbeat there, reaps the jobs of
dead workers, and for each run with queued work starts a crawl child (``python -m crawler.worker_child``,
through ``base.spawn.python_child``) that claims and crawls that run's municipalities. After each child it
reconciles: jobs the store has finished are acknowledged, the rest (the child died) go back to the queue.
It stops when the queues have been empty for ``max_idle_s`` seconds. The worker never loads Scrapy: a
crash of the crawl costs a child, and its memory is measured apart (``WorkerSummary``).

``python -m inventory.worker --redis URL --db URL`` runs a worker without the CLI (tests, benchmarks).
``redis`` is imported where it is used, as in ``crawler.queue``: it is the optional ``distributed`` extra.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from base.errors import CrawlError, UsageError
from base.settings import CrawlSettings
from base.spawn import absolute, peak_rss_mb, python_child
from base.store import Store, absolute_db_url
from crawler.queue import PREFIX, Keys, connect, job_text, next_run, parse_job, reap, record_event, retrying

log = logging.getLogger(__name__)

# Started by name, not imported: the worker process stays free of Scrapy and the spider.
CHILD_MODULE = "crawler.worker_child"


@dataclass
class WorkerSummary:
    worker_id: str
    municipalities: int = 0  # crawled to an outcome by this worker
    codes: list[str] = field(default_factory=list)
    skipped: int = 0  # claimed but already finished in the store (redelivered)
    gave_up: int = 0  # recorded as error after max_attempts
    requeued_own: int = 0  # claimed by a crawl child that died; put back by this worker
    reaped: int = 0  # jobs of dead workers this worker put back
    requests: int = 0
    child_runs: int = 0
    child_failures: int = 0
    wall_s: float = 0.0
    peak_rss_mb: float = 0.0  # the largest crawl child (where the memory goes)
    worker_rss_mb: float = 0.0  # the worker process itself (queue, heartbeat, store check)
    stopped: str = ""

    def line(self) -> str:
        return (f"worker {self.worker_id}: {self.municipalities} municipalities, {self.requests} requests in "
                f"{self.wall_s:.0f} s; {self.reaped} jobs of dead workers requeued; stopped: {self.stopped}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class _Heartbeat(threading.Thread):
    """Keeps the worker's alive key fresh, and notices when the worker was reaped (then kills the child)."""

    def __init__(self, redis_url: str, keys: Keys, worker_id: str, ttl_s: float) -> None:
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.client = connect(redis_url)
        self.keys, self.worker_id, self.ttl_ms = keys, worker_id, int(ttl_s * 1000)
        self.info = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()})
        self.stop_event = threading.Event()
        self.child: subprocess.Popen[bytes] | None = None
        self.fenced = threading.Event()
        self.reaped = 0

    def register(self) -> None:
        """Alive key and membership in one transaction, so no reaper ever sees one without the other."""
        with self.client.pipeline(transaction=True) as pipe:
            pipe.set(self.keys.worker(self.worker_id, "alive"), self.info, px=self.ttl_ms)
            pipe.sadd(self.keys.workers, self.worker_id)
            pipe.execute()

    def beat(self) -> None:
        with self.client.pipeline(transaction=True) as pipe:
            pipe.sismember(self.keys.workers, self.worker_id)
            pipe.set(self.keys.worker(self.worker_id, "alive"), self.info, px=self.ttl_ms)
            member, _ = pipe.execute()
        if not member:
            # Reaped while alive (stalled longer than the TTL): our jobs are someone else's now.
            self.fenced.set()
            child = self.child
            if child is not None and child.poll() is None:
                log.error("worker %s was declared dead by another worker; stopping its crawl", self.worker_id)
                child.kill()
            self.client.sadd(self.keys.workers, self.worker_id)
        # Reap here too, not only between crawls: a busy worker's crawl child claims the requeued jobs
        # as soon as a slot frees up, instead of them waiting for some worker to go idle.
        self.reaped += len(reap(self.client, self.keys))

    def run(self) -> None:
        import redis

        while not self.stop_event.wait(self.ttl_ms / 3000):
            try:
                self.beat()
            except redis.RedisError as exc:
                log.warning("heartbeat failed (%s); retrying", exc)

    def close(self) -> None:
        self.stop_event.set()
        self.join(timeout=10)
        self.client.close()


def worker(redis_url: str, db_url: str, *, max_idle_s: float = 60.0, worker_id: str | None = None,
           heartbeat_ttl_s: float = 30.0, max_attempts: int = 3, redis_outage_s: float = 300.0,
           overrides: dict[str, Any] | None = None, log_dir: Path | None = None,
           prefix: str = PREFIX) -> WorkerSummary:
    """Crawl queued municipalities until the queues have been empty for ``max_idle_s`` seconds.

    ``overrides`` are per-machine crawl settings (e.g. ``{"concurrent_municipalities": 8}``) applied over
    the run's config; ``log_dir`` keeps the crawl children's Scrapy logs (default: a temp dir, removed).
    """
    if max_idle_s < 0 or heartbeat_ttl_s <= 0 or max_attempts < 1 or redis_outage_s <= 0:
        raise UsageError(f"worker: max_idle_s={max_idle_s}, heartbeat_ttl_s={heartbeat_ttl_s}, "
                         f"max_attempts={max_attempts}, redis_outage_s={redis_outage_s}: need max_idle_s >= 0, "
                         "the others > 0")
    if overrides:
        CrawlSettings.from_dict(overrides)  # reject a bad per-machine setting before anything starts
    worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    if " " in worker_id or ":" in worker_id:
        raise UsageError(f"--worker-id {worker_id!r}: no spaces or colons")
    Store.open(db_url).close()  # fail fast (and migrate once) before claiming anything
    keys = Keys(prefix)
    client = connect(redis_url)
    summary = WorkerSummary(worker_id)
    started = time.monotonic()
    heartbeat = _Heartbeat(redis_url, keys, worker_id, heartbeat_ttl_s)

    def register() -> None:
        heartbeat.register()
        record_event(client, keys, "worker_started", worker=worker_id, pid=os.getpid(), host=socket.gethostname())

    with tempfile.TemporaryDirectory(prefix="kommunprogram-worker-") as tmp:
        logs = log_dir or Path(tmp)
        logs.mkdir(parents=True, exist_ok=True)
        try:
            retrying("register the worker", register, outage_s=redis_outage_s)
            heartbeat.start()
            idle_since = time.monotonic()
            failures_in_a_row = 0
            while True:
                summary.reaped += len(retrying("reap dead workers", lambda: reap(client, keys),
                                               outage_s=redis_outage_s))
                run_id = retrying("look for work", lambda: next_run(client, keys), outage_s=redis_outage_s)
                if run_id is None:
                    if time.monotonic() - idle_since >= max_idle_s:
                        summary.stopped = f"idle for {max_idle_s:g} s"
                        break
                    time.sleep(min(0.5, max(0.05, max_idle_s / 10)))  # polling an empty queue
                    continue
                ok = _crawl_child(redis_url, db_url, run_id, worker_id, max_attempts, overrides or {}, prefix,
                                  logs, Path(tmp), heartbeat, summary)
                retrying("reconcile", partial(_reconcile, client, keys, db_url, run_id, worker_id, summary),
                         outage_s=redis_outage_s)
                failures_in_a_row = 0 if ok else failures_in_a_row + 1
                if failures_in_a_row >= 3:
                    raise CrawlError(f"worker {worker_id}: the crawl child failed 3 times in a row; see the "
                                     f"logs in {logs}")
                idle_since = time.monotonic()
        finally:
            heartbeat.close()
            summary.reaped += heartbeat.reaped
            _deregister(client, keys, worker_id)
            client.close()
            summary.wall_s = round(time.monotonic() - started, 3)
            summary.worker_rss_mb = peak_rss_mb()
    return summary


def _crawl_child(redis_url: str, db_url: str, run_id: int, worker_id: str, max_attempts: int,
                 overrides: dict[str, Any], prefix: str, logs: Path, tmp: Path, heartbeat: _Heartbeat,
                 summary: WorkerSummary) -> bool:
    summary_path = tmp / f"child-{summary.child_runs}.json"
    args = ["--redis", redis_url, "--db", absolute_db_url(db_url), "--run-id", str(run_id),
            "--worker-id", worker_id, "--max-attempts", str(max_attempts), "--prefix", prefix,
            "--overrides", json.dumps(overrides), "--summary", absolute(summary_path),
            "--log", absolute(logs / f"crawl-{worker_id}.log"), "--parent-pid", str(os.getpid())]
    summary.child_runs += 1
    with open(logs / f"crawl-{worker_id}.stderr", "ab") as err:
        child = python_child(CHILD_MODULE, args, stderr=err)
    heartbeat.child = child
    try:
        returncode = child.wait()
    finally:
        heartbeat.child = None
    if returncode != 0 or not summary_path.exists():
        summary.child_failures += 1
        log.error("crawl child of worker %s exited with %s", worker_id, returncode)
        return False
    data = json.loads(summary_path.read_text(encoding="utf-8"))
    summary.municipalities += len(data["statuses"])
    summary.codes.extend(data["claimed"])
    summary.skipped += len(data["acked"]) - len(data["statuses"]) - len(data["gave_up"])
    summary.gave_up += len(data["gave_up"])
    summary.requests += int(data["requests"])
    summary.peak_rss_mb = max(summary.peak_rss_mb, float(data["peak_rss_mb"]))
    return data["fatal"] is None


def _reconcile(client: Any, keys: Keys, db_url: str, run_id: int, worker_id: str, summary: WorkerSummary) -> None:
    """After the child: acknowledge what the store has finished, requeue what it has not (child died)."""
    plist = keys.worker(worker_id, "processing")
    left = [parse_job(raw) for raw in client.lrange(plist, 0, -1)]
    if not left:
        return
    store = Store.open(db_url)
    try:
        for job_run, code in left:
            finished = store.municipality_finished(job_run, code)
            with client.pipeline(transaction=True) as pipe:
                pipe.lrem(plist, 1, job_text(job_run, code))
                if finished:
                    pipe.sadd(keys.run(job_run, "done"), code)
                else:
                    pipe.lpush(keys.run(job_run, "pending"), job_text(job_run, code))
                pipe.execute()
            if not finished:
                summary.requeued_own += 1
                record_event(client, keys, "requeued", run=job_run, code=code, worker=worker_id)
    finally:
        store.close()


def _deregister(client: Any, keys: Keys, worker_id: str) -> None:
    """A clean exit: hand back anything still claimed (normally nothing) and leave the worker set."""
    import redis

    try:
        with client.pipeline(transaction=True) as pipe:
            pipe.delete(keys.worker(worker_id, "alive"))
            pipe.execute()
        reap(client, keys)  # our alive key is gone, so this returns our own leftovers to the queue
        client.srem(keys.workers, worker_id)
        record_event(client, keys, "worker_stopped", worker=worker_id)
    except redis.RedisError as exc:
        log.warning("could not deregister worker %s (%s); its heartbeat expires on its own", worker_id, exc)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inventory.worker", description="distributed crawl worker")
    parser.add_argument("--redis", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--worker-id", default=None)
    parser.add_argument("--max-attempts", type=int, default=3)
    parser.add_argument("--max-idle", type=float, default=60.0)
    parser.add_argument("--heartbeat-ttl", type=float, default=30.0)
    parser.add_argument("--prefix", default=PREFIX)
    parser.add_argument("--overrides", default="{}")
    parser.add_argument("--summary", type=Path, default=None)
    parser.add_argument("--log-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    result = worker(args.redis, args.db, max_idle_s=args.max_idle, worker_id=args.worker_id,
                    heartbeat_ttl_s=args.heartbeat_ttl, max_attempts=args.max_attempts,
                    overrides=json.loads(args.overrides), prefix=args.prefix, log_dir=args.log_dir)
    if args.summary is not None:
        args.summary.write_text(json.dumps(result.to_json()), encoding="utf-8")
    print(result.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
