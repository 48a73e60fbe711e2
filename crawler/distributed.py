"""Distributed crawl: a Redis queue of municipalities feeds worker processes on any number of machines.

The unit of work is one municipality, so a site's whole crawl (its best-first frontier, its budget and
its per-host politeness) lives in exactly one worker at a time: sharding by site is what keeps a host
from being hit by two workers at once. The queue is Redis's documented *reliable queue* pattern:

* ``enqueue`` pushes ``{"run", "code"}`` jobs to ``<p>:run:<id>:pending`` (once per code and run).
* A worker's crawl child claims a job with ``LMOVE pending -> <p>:worker:<id>:processing`` when one of
  its ``concurrent_municipalities`` slots frees up, and acknowledges it (``LREM``, ``SADD done``) only
  after the store committed the municipality's outcome.
* Each worker keeps ``<p>:worker:<id>:alive`` alive with a TTL; every worker runs the reaper, which
  moves the processing list of a worker whose key expired back to the front of the pending queue.
  A crawl child dies with its worker (``PR_SET_PDEATHSIG``), and a job that was claimed by a dead
  attempt has its partial rows discarded before it is crawled again, so the store never holds two
  crawls of one municipality. After ``max_attempts`` claims a municipality is recorded as ``error``.
* The store stays the source of truth: a job whose municipality is finished in the store is only
  acknowledged, so a redelivered job or a lost Redis never causes a second crawl.

The crawl child's spider is a scrapy-redis ``RedisSpider`` over the run's pending list
(``crawler.spiders.queued``); docs/operations.md explains what of scrapy-redis is used and how to run
it. Redis must be private (no password-less Redis on a shared network): it is trusted with the run's
work list.
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
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from base.errors import CrawlError, UsageError
from base.municipalities import Municipality
from base.redact import redact, redact_url
from base.settings import CrawlSettings
from base.spawn import absolute, die_with_parent, peak_rss_mb, python_child
from base.store import Store, absolute_db_url
from crawler.recorder import Recorder

log = logging.getLogger(__name__)
T = TypeVar("T")

PREFIX = "kommunprogram"
REDIS_PARAMS = {"socket_timeout": 30, "socket_connect_timeout": 10, "health_check_interval": 30}
EVENTS_MAXLEN = 100_000  # the event stream is for watching and tests, not an archive

# Atomically hand the processing lists of workers whose heartbeat expired back to their runs' queues.
# Jobs go to the *front* so a crash does not send a municipality to the back of a long run.
REAP_SCRIPT = """
local prefix = ARGV[1]
local moved = {}
for _, w in ipairs(redis.call('SMEMBERS', prefix .. ':workers')) do
  if redis.call('EXISTS', prefix .. ':worker:' .. w .. ':alive') == 0 then
    local plist = prefix .. ':worker:' .. w .. ':processing'
    local jobs = redis.call('LRANGE', plist, 0, -1)
    for i = #jobs, 1, -1 do
      local job = cjson.decode(jobs[i])
      redis.call('LPUSH', prefix .. ':run:' .. job['run'] .. ':pending', jobs[i])
      table.insert(moved, w .. ' ' .. jobs[i])
    end
    redis.call('DEL', plist)
    redis.call('SREM', prefix .. ':workers', w)
  end
end
return moved
"""
# Push a job unless this run already had it: enqueue twice (or from two machines) and nothing doubles.
ENQUEUE_SCRIPT = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
"""


# -- keys and jobs ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Keys:
    prefix: str = PREFIX

    @property
    def workers(self) -> str:
        return f"{self.prefix}:workers"

    @property
    def runs(self) -> str:
        return f"{self.prefix}:runs"

    @property
    def events(self) -> str:
        return f"{self.prefix}:events"

    def run(self, run_id: int, what: str) -> str:  # config | pending | queued | done | attempts
        return f"{self.prefix}:run:{run_id}:{what}"

    def worker(self, worker_id: str, what: str) -> str:  # alive | processing
        return f"{self.prefix}:worker:{worker_id}:{what}"


def job_text(run_id: int, code: str) -> str:
    """The exact bytes of a job: LREM matches by value, so every writer must produce the same text."""
    return json.dumps({"code": code, "run": str(run_id)}, sort_keys=True, separators=(",", ":"))


def parse_job(raw: bytes | str) -> tuple[int, str]:
    data = json.loads(raw)
    return int(data["run"]), str(data["code"])


def connect(redis_url: str) -> Any:
    try:
        import redis
        import scrapy_redis  # noqa: F401 - the worker's spider needs it; say so before any work is claimed
    except ImportError as exc:
        raise UsageError(f"the distributed crawl needs the 'distributed' extra ({exc.name} is missing): "
                         "pip install -e '.[distributed]'") from None
    try:
        client = redis.Redis.from_url(redis_url, **REDIS_PARAMS)
    except ValueError as exc:
        raise UsageError(f"--redis {redact_url(redis_url)!r}: {exc}") from None
    return client


def _unreachable(redis_url: str, exc: Exception) -> CrawlError:
    """An unreachable or refusing Redis as one line without its password (the CLI's exit 6)."""
    return CrawlError(redact(f"cannot use Redis at {redact_url(redis_url)}: {exc}", redis_url))


def redis_settings(redis_url: str) -> dict[str, Any]:
    """scrapy-redis's settings for the worker's spider: the same server and timeouts as ``connect``.

    The spider closes at the first idle moment with an empty queue (1 s): the worker, not the crawl
    child, waits for more work, reaps dead workers and moves on to the next run.
    """
    return {"REDIS_URL": redis_url, "MAX_IDLE_TIME_BEFORE_CLOSE": 1,
            "REDIS_PARAMS": REDIS_PARAMS}


def _retrying(what: str, func: Callable[[], T], *, outage_s: float) -> T:
    """Call ``func``, riding out a Redis restart or network blip for up to ``outage_s`` seconds."""
    import redis

    deadline = time.monotonic() + outage_s
    delay = 0.2
    while True:
        try:
            return func()
        except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError) as exc:
            if time.monotonic() > deadline:
                raise CrawlError(f"Redis unreachable for {outage_s:.0f} s while trying to {what}: {exc}") from None
            log.warning("Redis unavailable (%s); retrying %s in %.1f s", exc, what, delay)
            time.sleep(delay)  # backing off from a server that is down: nothing to wait on but time
            delay = min(delay * 2, 5.0)


def _event(client: Any, keys: Keys, kind: str, **fields: Any) -> None:
    client.xadd(keys.events, {"event": kind, **{k: str(v) for k, v in fields.items()}},
                maxlen=EVENTS_MAXLEN, approximate=True)


def run_fingerprint(run: dict[str, Any]) -> str:
    """Identifies a run across stores: run ids restart at 1 in every database, so two stores sharing
    one Redis queue prefix would otherwise mix their runs' jobs."""
    return f"{run['started_at']}|{run['input_digest']}"


# -- enqueue ----------------------------------------------------------------------------------------
def enqueue(redis_url: str, run_id: int, municipalities: Sequence[Municipality], db_url: str,
            config: CrawlSettings, *, prefix: str = PREFIX) -> int:
    """Queue the run's municipalities for the workers; returns how many were newly queued.

    Municipalities already finished in the store, or queued for this run before, are left out, so
    enqueueing again after a crash or a lost Redis only adds what is missing.
    """
    keys = Keys(prefix)
    store = Store.open(db_url)
    try:
        run = store.run(run_id)
        if run is None:
            raise UsageError(f"run {run_id} does not exist in {db_url}; create it first (inventory.runs.enqueue_run)")
        fingerprint = run_fingerprint(run)
        store.upsert_municipalities(municipalities)
        todo = [m.code for m in municipalities if not store.municipality_finished(run_id, m.code)]
    finally:
        store.close()
    import redis

    client = connect(redis_url)
    try:
        push = client.register_script(ENQUEUE_SCRIPT)
        client.set(keys.run(run_id, "fingerprint"), fingerprint, nx=True)
        if client.get(keys.run(run_id, "fingerprint")).decode() != fingerprint:
            raise UsageError(f"run {run_id} in the Redis queue '{prefix}' belongs to another store; give each "
                             "store its own queue prefix (--queue)")
        client.set(keys.run(run_id, "config"), json.dumps(config.to_dict(), sort_keys=True))
        client.zadd(keys.runs, {str(run_id): run_id})
        added = 0
        for code in todo:
            added += int(push(keys=[keys.run(run_id, "queued"), keys.run(run_id, "pending")],
                              args=[code, job_text(run_id, code)]))
        _event(client, keys, "enqueued", run=run_id, count=added)
        return added
    except redis.RedisError as exc:
        raise _unreachable(redis_url, exc) from None
    finally:
        client.close()


# -- status -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueStatus:
    run_id: int
    pending: int
    processing: int
    done: int
    queued: int
    workers: tuple[str, ...]

    @property
    def drained(self) -> bool:
        return self.pending == 0 and self.processing == 0


def status(redis_url: str, run_id: int, *, prefix: str = PREFIX) -> QueueStatus:
    import redis

    keys = Keys(prefix)
    client = connect(redis_url)
    try:
        workers = sorted(w.decode() for w in client.smembers(keys.workers))
        processing = 0
        for w in workers:
            processing += sum(1 for raw in client.lrange(keys.worker(w, "processing"), 0, -1)
                              if parse_job(raw)[0] == run_id)
        return QueueStatus(run_id, int(client.llen(keys.run(run_id, "pending"))), processing,
                           int(client.scard(keys.run(run_id, "done"))), int(client.scard(keys.run(run_id, "queued"))),
                           tuple(w for w in workers if client.exists(keys.worker(w, "alive"))))
    except redis.RedisError as exc:
        raise _unreachable(redis_url, exc) from None
    finally:
        client.close()


def reap(client: Any, keys: Keys) -> list[tuple[str, int, str]]:
    """Requeue the jobs of workers whose heartbeat expired; returns (dead worker, run, code) per job."""
    moved = client.register_script(REAP_SCRIPT)(args=[keys.prefix])
    out = []
    for item in moved:
        worker_id, raw = item.decode().split(" ", 1)
        run_id, code = parse_job(raw)
        out.append((worker_id, run_id, code))
        _event(client, keys, "requeued", run=run_id, code=code, dead_worker=worker_id)
        log.warning("worker %s stopped beating; municipality %s of run %s goes back to the queue",
                    worker_id, code, run_id)
    return out


# -- the crawl child: claims jobs as slots free up, acknowledges them after the store commit ---------
class JobSource:
    """The reliable side of the queue for one crawl child: claim, admit, acknowledge.

    The worker's spider (``crawler.spiders.queued.QueuedProgramSpider``, a scrapy-redis ``RedisSpider``)
    calls ``claim`` in place of scrapy-redis's own list pop and ``admit`` for each claimed job.
    """

    def __init__(self, client: Any, keys: Keys, store: Store, run_id: int, worker_id: str,
                 max_attempts: int) -> None:
        self.client, self.keys, self.store = client, keys, store
        self.run_id, self.worker_id, self.max_attempts = run_id, worker_id, max_attempts
        self.claimed: list[str] = []
        self.acked: list[str] = []
        self.gave_up: list[str] = []

    @property
    def pending_key(self) -> str:
        return self.keys.run(self.run_id, "pending")

    def claim(self, batch_size: int) -> list[bytes]:
        """Move up to ``batch_size`` jobs onto this worker's processing list (``LMOVE``), so a worker
        that dies holding them leaves them for the reaper instead of losing them. A Redis outage
        claims nothing: the crawl finishes the municipalities in hand and the worker retries."""
        import redis

        claimed: list[bytes] = []
        try:
            for _ in range(batch_size):
                raw = self.client.lmove(self.pending_key, self.keys.worker(self.worker_id, "processing"),
                                        "LEFT", "RIGHT")
                if raw is None:
                    break
                claimed.append(raw)
        except redis.RedisError as exc:
            log.warning("cannot claim from Redis (%s); finishing the municipalities in hand", exc)
        return claimed

    def admit(self, raw: bytes | str) -> Municipality | None:
        """The municipality to crawl for a claimed job, or None when the job needs no crawl (and is
        acknowledged here): the store already has its outcome (a redelivery), it has killed every
        worker that took it ``max_attempts`` times (recorded as ``error``), or it is unknown."""
        import redis

        run_id, code = parse_job(raw)
        try:
            attempts = int(self.client.hincrby(self.keys.run(run_id, "attempts"), code, 1))
            _event(self.client, self.keys, "claimed", run=run_id, code=code, worker=self.worker_id,
                   attempt=attempts)
        except redis.RedisError as exc:  # counted as a first attempt; the claim itself is safe in processing
            log.warning("cannot count the attempt for %s (%s)", code, exc)
            attempts = 1
        if self.store.municipality_finished(run_id, code):
            self.ack(code)
            return None
        if attempts > self.max_attempts:
            self.store.finish_municipality(
                run_id, code, status="error", reason="worker_lost_repeatedly", requests=0,
                requests_to_first_hit=None, found_via=None, bytes_downloaded=0, robots_blocked=[],
                detail={"attempts": attempts - 1, "note": "every worker crawling it died"})
            self.gave_up.append(code)
            self.ack(code)
            return None
        found = self.store.municipalities([code])
        if not found:
            log.error("municipality %s of run %s is not in the store; dropping the job", code, run_id)
            self.ack(code)
            return None
        self.claimed.append(code)
        return found[0]  # a dead attempt's partial rows are discarded when the crawl starts it

    def ack(self, code: str) -> None:
        """The outcome is committed: take the job off this worker's list. Never raises (see reconcile)."""
        import redis

        try:
            with self.client.pipeline(transaction=True) as pipe:
                pipe.lrem(self.keys.worker(self.worker_id, "processing"), 1, job_text(self.run_id, code))
                pipe.sadd(self.keys.run(self.run_id, "done"), code)
                pipe.execute()
            _event(self.client, self.keys, "finished", run=self.run_id, code=code, worker=self.worker_id)
            self.acked.append(code)
        except redis.RedisError as exc:
            log.warning("cannot acknowledge %s in Redis (%s); the worker reconciles after the crawl", code, exc)


class AckingRecorder(Recorder):
    """The crawler's sink, plus a Redis acknowledgement right after each municipality's outcome commits."""

    def __init__(self, store: Store, run_id: int, source: JobSource) -> None:
        super().__init__(store, run_id)  # type: ignore[arg-type]  # CrawlSink is keyword-only **kw (as in run.py)
        self.source = source

    def finish(self, code: str, **outcome: Any) -> None:
        super().finish(code, **outcome)
        self.source.ack(code)


def _child_main(args: argparse.Namespace) -> int:
    from scrapy.crawler import CrawlerProcess

    from crawler.scrapy_settings import scrapy_settings
    from crawler.spiders.queued import QueuedProgramSpider

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


# -- the worker -------------------------------------------------------------------------------------
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
        _event(client, keys, "worker_started", worker=worker_id, pid=os.getpid(), host=socket.gethostname())

    with tempfile.TemporaryDirectory(prefix="kommunprogram-worker-") as tmp:
        logs = log_dir or Path(tmp)
        logs.mkdir(parents=True, exist_ok=True)
        try:
            _retrying("register the worker", register, outage_s=redis_outage_s)
            heartbeat.start()
            idle_since = time.monotonic()
            failures_in_a_row = 0
            while True:
                summary.reaped += len(_retrying("reap dead workers", lambda: reap(client, keys),
                                                outage_s=redis_outage_s))
                run_id = _retrying("look for work", lambda: _next_run(client, keys), outage_s=redis_outage_s)
                if run_id is None:
                    if time.monotonic() - idle_since >= max_idle_s:
                        summary.stopped = f"idle for {max_idle_s:g} s"
                        break
                    time.sleep(min(0.5, max(0.05, max_idle_s / 10)))  # polling an empty queue
                    continue
                ok = _crawl_child(redis_url, db_url, run_id, worker_id, max_attempts, overrides or {}, prefix,
                                  logs, Path(tmp), heartbeat, summary)
                _retrying("reconcile", partial(_reconcile, client, keys, db_url, run_id, worker_id, summary),
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


def _next_run(client: Any, keys: Keys) -> int | None:
    """The oldest run that has queued work."""
    for raw in client.zrange(keys.runs, 0, -1):
        run_id = int(raw)
        if client.llen(keys.run(run_id, "pending")):
            return run_id
    return None


def _crawl_child(redis_url: str, db_url: str, run_id: int, worker_id: str, max_attempts: int,
                 overrides: dict[str, Any], prefix: str, logs: Path, tmp: Path, heartbeat: _Heartbeat,
                 summary: WorkerSummary) -> bool:
    summary_path = tmp / f"child-{summary.child_runs}.json"
    args = ["--child", "--redis", redis_url, "--db", absolute_db_url(db_url), "--run-id", str(run_id),
            "--worker-id", worker_id, "--max-attempts", str(max_attempts), "--prefix", prefix,
            "--overrides", json.dumps(overrides), "--summary", absolute(summary_path),
            "--log", absolute(logs / f"crawl-{worker_id}.log"), "--parent-pid", str(os.getpid())]
    summary.child_runs += 1
    with open(logs / f"crawl-{worker_id}.stderr", "ab") as err:
        child = python_child("crawler.distributed", args, stderr=err)
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
                _event(client, keys, "requeued", run=job_run, code=code, worker=worker_id)
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
        _event(client, keys, "worker_stopped", worker=worker_id)
    except redis.RedisError as exc:
        log.warning("could not deregister worker %s (%s); its heartbeat expires on its own", worker_id, exc)


def wait_until_drained(redis_url: str, run_id: int, *, timeout_s: float, prefix: str = PREFIX) -> QueueStatus:
    """Block until the run has nothing pending or in progress (for `kommunprogram run` after workers)."""
    keys = Keys(prefix)
    client = connect(redis_url)
    deadline = time.monotonic() + timeout_s
    last_id = "$"
    try:
        while True:
            state = status(redis_url, run_id, prefix=prefix)
            if state.drained:
                return state
            left = deadline - time.monotonic()
            if left <= 0:
                raise CrawlError(f"run {run_id} not drained after {timeout_s:.0f} s: {state.pending} pending, "
                                 f"{state.processing} in progress")
            # Wake on the next queue event instead of polling blind (reaps happen without events too).
            got = client.xread({keys.events: last_id}, block=int(min(left, 5.0) * 1000), count=100)
            if got:
                last_id = got[0][1][-1][0]
    finally:
        client.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.distributed", description="distributed crawl")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--run-id", type=int, default=0)
    parser.add_argument("--worker-id", default=None)
    parser.add_argument("--max-attempts", type=int, default=3)
    parser.add_argument("--max-idle", type=float, default=60.0)
    parser.add_argument("--heartbeat-ttl", type=float, default=30.0)
    parser.add_argument("--prefix", default=PREFIX)
    parser.add_argument("--overrides", default="{}")
    parser.add_argument("--summary", type=Path, default=None)
    parser.add_argument("--log", type=Path, default=None)
    parser.add_argument("--parent-pid", type=int, default=0)
    parser.add_argument("--log-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.child:
        return _child_main(args)
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


__all__ = ["enqueue", "worker", "status", "reap", "wait_until_drained", "WorkerSummary",
           "QueueStatus", "Keys"]
