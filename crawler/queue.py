"""The queue of a distributed crawl: municipalities in Redis, claimed by worker processes on any machines.

The unit of work is one municipality, so a site's whole crawl (its best-first frontier, its budget and
its per-host politeness) lives in exactly one worker at a time: sharding by site is what keeps a host
from being hit by two workers at once. The queue is Redis's documented *reliable queue* pattern:

* ``enqueue`` pushes ``{"run", "code"}`` jobs to ``<p>:run:<id>:pending`` (once per code and run).
* A worker's crawl child (``crawler.worker_child``) claims a job with ``LMOVE pending ->
  <p>:worker:<id>:processing`` (``JobSource``) when one of its ``concurrent_municipalities`` slots frees
  up, and acknowledges it (``LREM``, ``SADD done``) only after the store committed the municipality's
  outcome.
* Each worker keeps ``<p>:worker:<id>:alive`` alive with a TTL; every worker runs the reaper (``reap``),
  which moves the processing list of a worker whose key expired back to the front of the pending queue.
  A crawl child dies with its worker (``PR_SET_PDEATHSIG``), and a job that was claimed by a dead
  attempt has its partial rows discarded before it is crawled again, so the store never holds two
  crawls of one municipality. After ``max_attempts`` claims a municipality is recorded as ``error``.
* The store stays the source of truth: a job whose municipality is finished in the store is only
  acknowledged, so a redelivered job or a lost Redis never causes a second crawl.

This module is the protocol (keys, jobs, enqueue, status, reaping, claiming); the long-lived worker that
heartbeats and runs the crawl children is the application's (``inventory.worker``). docs/operations.md
explains what of scrapy-redis is used and how to run it. Redis must be private (no password-less Redis
on a shared network): it is trusted with the run's work list.

``redis`` is imported where it is used: it is the optional ``distributed`` extra, and ``enqueue`` is
reached from every run's start (``inventory.runs``); ``connect`` says which extra is missing.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from base.errors import CrawlError, UsageError
from base.municipalities import Municipality
from base.redact import redact, redact_url
from base.settings import CrawlSettings
from base.store import Store

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


def retrying(what: str, func: Callable[[], T], *, outage_s: float) -> T:
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


def record_event(client: Any, keys: Keys, kind: str, **fields: Any) -> None:
    """Append to the queue's event stream (``<p>:events``), which `redis-cli XREAD` and the tests watch."""
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
        record_event(client, keys, "enqueued", run=run_id, count=added)
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
        record_event(client, keys, "requeued", run=run_id, code=code, dead_worker=worker_id)
        log.warning("worker %s stopped beating; municipality %s of run %s goes back to the queue",
                    worker_id, code, run_id)
    return out


# -- claiming: the crawl child takes jobs as slots free up, acknowledges them after the store commit
class JobSource:
    """The reliable side of the queue for one crawl child: claim, admit, acknowledge.

    The crawl child's spider (``crawler.spiders.queued.QueuedProgramSpider``, a scrapy-redis
    ``RedisSpider``) calls ``claim`` in place of scrapy-redis's own list pop and ``admit`` for each claimed
    job; its recorder (``crawler.worker_child.AckingRecorder``) calls ``ack`` after each outcome commits.
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
            record_event(self.client, self.keys, "claimed", run=run_id, code=code, worker=self.worker_id,
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
        """The outcome is committed: take the job off this worker's list. Never raises (the worker
        reconciles after the crawl: ``inventory.worker``)."""
        import redis

        try:
            with self.client.pipeline(transaction=True) as pipe:
                pipe.lrem(self.keys.worker(self.worker_id, "processing"), 1, job_text(self.run_id, code))
                pipe.sadd(self.keys.run(self.run_id, "done"), code)
                pipe.execute()
            record_event(self.client, self.keys, "finished", run=self.run_id, code=code, worker=self.worker_id)
            self.acked.append(code)
        except redis.RedisError as exc:
            log.warning("cannot acknowledge %s in Redis (%s); the worker reconciles after the crawl", code, exc)


# -- waiting for work, and for a run to drain -------------------------------------------------------
def next_run(client: Any, keys: Keys) -> int | None:
    """The oldest run that has queued work."""
    for raw in client.zrange(keys.runs, 0, -1):
        run_id = int(raw)
        if client.llen(keys.run(run_id, "pending")):
            return run_id
    return None


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

