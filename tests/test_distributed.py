"""The distributed crawl against real servers: redis-server, PostgreSQL and the simulated web.

Workers run as real processes (``python -m inventory.worker``, each starting ``crawler.worker_child``), as they
would under systemd.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from base.municipalities import Municipality, read_municipalities
from base.settings import CrawlSettings, RunSettings, Settings
from base.store import CrawlResult, Store
from crawler import queue
from inventory import worker
from inventory.runs import enqueue_run
from tests.servers import PostgresServer, RedisServer, postgres_server, redis_server  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parent.parent
SITES = 4
# Fast and deterministic: no AutoThrottle, no injected faults, and no Crawl-delay (one 5-10 s
# Crawl-delay site would make every test wait on it).
CONFIG = CrawlSettings(allow_private_addresses=True, autothrottle=False, budget=40, concurrent_municipalities=2,
                     download_timeout=5.0)


@dataclass
class Web:
    sim: Any
    items: list[Municipality]
    single: dict[str, CrawlResult]  # the single-process crawl of the same sites
    single_fetches: dict[str, Counter[str]]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    from crawler.run import crawl
    from simweb.config import SimConfig
    from simweb.generate import generate
    from simweb.serve import SimWeb

    tmp = tmp_path_factory.mktemp("distweb")
    web_dir = generate(tmp / "web", sites=SITES, seed=11, config=SimConfig().replace(robots_crawl_delay=0.0))
    with SimWeb(web_dir, latency_ms=(2, 12), faults=False) as sim:
        items = read_municipalities(sim.municipalities_csv)
        db = str(tmp / "single.sqlite")
        store = Store.open(db)
        store.upsert_municipalities(items)
        run_id = store.start_run(2026, "single", {})
        crawl(items, db_url=db, run_id=run_id, config=CONFIG)
        single = store.crawl_results(run_id)
        fetches = fetches_of(store, run_id)
        store.close()
        yield Web(sim, items, single, fetches)


def run_settings(db: str) -> Settings:
    """The settings of a run as `kommunprogram enqueue` reads them."""
    return Settings(run=RunSettings(year=2026, db_url=db, allow_private_addresses=True), crawl=CONFIG)


def fetches_of(store: Store, run_id: int) -> dict[str, Counter[str]]:
    import sqlalchemy as sa

    from base.store import fetches

    out: dict[str, Counter[str]] = {}
    with store.engine.connect() as conn:
        for code, url in conn.execute(sa.select(fetches.c.code, fetches.c.url).where(fetches.c.run_id == run_id)):
            out.setdefault(code, Counter())[url] += 1
    return out


def robots_requests(sim: Any, since: int) -> Counter[str]:
    """robots.txt requests per site in the log since ``since``: one per crawl of that site."""
    return Counter(r.host for r in sim.request_log[since:] if r.target == "/robots.txt")


def start_worker(redis_url: str, db: str, tmp: Path, name: str, *, max_idle: float = 1.0,
                 ttl: float = 30.0) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "inventory.worker", "--redis", redis_url, "--db", db, "--worker-id", name,
           "--max-idle", str(max_idle), "--heartbeat-ttl", str(ttl), "--summary", str(tmp / f"{name}.json")]
    with open(tmp / f"{name}.err", "wb") as err:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)


def finish(proc: subprocess.Popen[bytes], tmp: Path, name: str) -> dict[str, Any]:
    assert proc.wait(timeout=240) == 0, (tmp / f"{name}.err").read_text()
    return json.loads((tmp / f"{name}.json").read_text())


def wait_for_event(redis_url: str, kind: str, *, timeout_s: float = 60.0, **match: str) -> dict[str, str]:
    """Block on the queue's event stream (XREAD) until an event of ``kind`` with ``match`` arrives."""
    client = queue.connect(redis_url)
    try:
        last = "0"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for _stream, entries in client.xread({queue.Keys().events: last}, block=1000, count=100) or []:
                for entry_id, raw in entries:
                    last = entry_id
                    event = {k.decode(): v.decode() for k, v in raw.items()}
                    if event["event"] == kind and all(event.get(k) == v for k, v in match.items()):
                        return event
        raise AssertionError(f"no {kind} event {match} within {timeout_s} s")
    finally:
        client.close()


def crawl_children_of(name: str) -> list[int]:
    """PIDs of crawl children started by worker ``name`` (from /proc, no psutil needed)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"crawler.worker_child" in cmdline and name.encode() in cmdline:
                pids.append(int(entry.name))
    return pids


# -- queue semantics (no crawl) ---------------------------------------------------------------------
def test_enqueue_is_idempotent_and_reaper_requeues_a_dead_workers_jobs(redis_server: RedisServer,  # noqa: F811
                                                                         tmp_path: Path) -> None:
    items = [Municipality(f"01{i:02d}", f"K{i}", "01", "Län", f"http://127.0.0.1:9/{i}") for i in range(4)]
    db = str(tmp_path / "q.sqlite")
    run_id, added = enqueue_run(redis_server.url, run_settings(db), items, prefix="kommunprogram")
    assert added == 4
    assert queue.enqueue(redis_server.url, run_id, items, db, CONFIG) == 0  # nothing doubles
    store = Store.open(db)
    store.finish_municipality(run_id, "0103", status="found", reason="x", requests=1, requests_to_first_hit=1,
                              found_via="link", bytes_downloaded=0, robots_blocked=[], detail={})
    store.close()
    keys = queue.Keys()
    client = queue.connect(redis_server.url)
    try:
        # A worker claims two jobs, then dies: its alive key expires and the reaper hands them back first.
        client.sadd(keys.workers, "dead")
        for _ in range(2):
            client.lmove(keys.run(run_id, "pending"), keys.worker("dead", "processing"), "LEFT", "RIGHT")
        client.set(keys.worker("alive", "alive"), "x")
        client.sadd(keys.workers, "alive")
        assert queue.status(redis_server.url, run_id).processing == 2
        moved = queue.reap(client, keys)
        assert sorted((w, code) for w, _r, code in moved) == [("dead", "0100"), ("dead", "0101")]
        pending = [queue.parse_job(j)[1] for j in client.lrange(keys.run(run_id, "pending"), 0, -1)]
        assert pending == ["0100", "0101", "0102", "0103"]
        assert client.smembers(keys.workers) == {b"alive"}
    finally:
        client.close()
    state = queue.status(redis_server.url, run_id)
    assert (state.pending, state.processing, state.queued, state.drained) == (4, 0, 4, False)


def test_bad_worker_settings_are_usage_errors(tmp_path: Path) -> None:
    from base.errors import UsageError

    with pytest.raises(UsageError, match="max_attempts=0"):
        worker.worker("redis://127.0.0.1:9/0", str(tmp_path / "x.sqlite"), max_attempts=0)
    with pytest.raises(UsageError, match="unknown crawl setting"):
        worker.worker("redis://127.0.0.1:9/0", str(tmp_path / "x.sqlite"), overrides={"nope": 1})


# -- two workers equal one process ------------------------------------------------------------------
def test_two_workers_give_the_single_process_result_and_crawl_each_site_once(
        web: Web, redis_server: RedisServer, postgres_server: PostgresServer, tmp_path: Path) -> None:  # noqa: F811
    db = postgres_server.create_database("dist")
    since = len(web.sim.request_log)
    run_id, added = enqueue_run(redis_server.url, run_settings(db), web.items, prefix="kommunprogram")
    assert added == SITES
    workers = {name: start_worker(redis_server.url, db, tmp_path, name) for name in ("w1", "w2")}
    summaries = {name: finish(proc, tmp_path, name) for name, proc in workers.items()}

    store = Store.open(db)
    try:
        assert store.crawl_results(run_id) == web.single  # same statuses, same candidate documents
        assert fetches_of(store, run_id) == web.single_fetches  # same pages, each fetched as often
    finally:
        store.close()
    crawled = [code for s in summaries.values() for code in s["codes"]]
    assert sorted(crawled) == sorted(m.code for m in web.items)  # every site once, by one worker
    assert all(s["codes"] for s in summaries.values()), summaries  # both workers took work
    reached = [m.code for m in web.items if web.single[m.code].status != "site_unreachable"]
    assert robots_requests(web.sim, since) == Counter(dict.fromkeys(reached, 1))
    state = queue.status(redis_server.url, run_id)
    assert state.drained and state.done == SITES and state.workers == ()
    # The scrapy-redis spider claims one job per free slot, not a batch per idle engine.
    assert 1 <= max(most_in_hand(redis_server.url, run_id).values()) <= CONFIG.concurrent_municipalities


def most_in_hand(redis_url: str, run_id: int) -> dict[str, int]:
    """Per worker, the most municipalities it held at once (claimed, not yet finished), from the events."""
    client = queue.connect(redis_url)
    try:
        held: Counter[str] = Counter()
        most: dict[str, int] = {}
        for _id, raw in client.xrange(queue.Keys().events):
            event = {k.decode(): v.decode() for k, v in raw.items()}
            if event.get("run") != str(run_id) or event["event"] not in ("claimed", "finished"):
                continue
            held[event["worker"]] += 1 if event["event"] == "claimed" else -1
            most[event["worker"]] = max(most.get(event["worker"], 0), held[event["worker"]])
        return most
    finally:
        client.close()


# -- a worker killed mid-crawl loses nothing --------------------------------------------------------
@pytest.mark.slow  # about 25 s: a crawl, a SIGKILL, a heartbeat expiry and a re-crawl
def test_a_worker_killed_mid_crawl_loses_nothing(web: Web, redis_server: RedisServer,  # noqa: F811
                                                 postgres_server: PostgresServer, tmp_path: Path) -> None:  # noqa: F811
    db = postgres_server.create_database("kill")
    run_id, _ = enqueue_run(redis_server.url, run_settings(db), web.items, prefix="kommunprogram")
    victim = start_worker(redis_server.url, db, tmp_path, "victim", ttl=2.0)
    try:
        claimed = wait_for_event(redis_server.url, "claimed", worker="victim")
        code = claimed["code"]
        store = Store.open(db)
        deadline = time.monotonic() + 60
        # Kill after the victim committed a candidate (with its validators): the hardest case for the
        # re-crawl, which must not see 304s for what the dead attempt fetched.
        while not store.candidates(run_id, code) and time.monotonic() < deadline:
            time.sleep(0.02)  # waiting on the victim's progress in the store, i.e. truly mid-crawl
        assert store.candidates(run_id, code), "the victim never saved a candidate"
        assert not store.municipality_finished(run_id, code)
        children = crawl_children_of("victim")
        assert children
        victim.send_signal(signal.SIGKILL)
        victim.wait()
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()
    # The crawl child dies with its worker (PR_SET_PDEATHSIG), so no orphan keeps crawling.
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() and b"zombie" not in _status(pid) for pid in children):
        assert time.monotonic() < deadline, "the crawl child outlived its worker"
        time.sleep(0.05)
    rescuer = start_worker(redis_server.url, db, tmp_path, "rescuer", max_idle=4.0)
    summary = finish(rescuer, tmp_path, "rescuer")
    assert summary["reaped"] >= 1
    requeued = wait_for_event(redis_server.url, "requeued", code=code)
    assert requeued["dead_worker"] == "victim"
    try:
        assert store.crawl_results(run_id) == web.single
        fetched = fetches_of(store, run_id)
        assert fetched == web.single_fetches  # the dead attempt's partial rows are gone, no duplicates
        client = queue.connect(redis_server.url)
        assert int(client.hget(queue.Keys().run(run_id, "attempts"), code)) == 2
        client.close()
    finally:
        store.close()
    assert queue.status(redis_server.url, run_id).drained


def _status(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/status").read_bytes().lower()
    except OSError:
        return b"zombie"


# -- progress survives a Redis restart --------------------------------------------------------------
@pytest.mark.parametrize("crash", [pytest.param(False, marks=pytest.mark.slow), True],
                         ids=["clean-restart", "crash-restart"])
def test_progress_survives_a_redis_restart(web: Web, redis_server: RedisServer, tmp_path: Path,  # noqa: F811
                                           crash: bool) -> None:
    db = str(tmp_path / "dist.sqlite")
    since = len(web.sim.request_log)
    run_id, _ = enqueue_run(redis_server.url, run_settings(db), web.items, prefix="kommunprogram")
    proc = start_worker(redis_server.url, db, tmp_path, "w", max_idle=3.0)
    first = wait_for_event(redis_server.url, "finished", worker="w")
    redis_server.restart(crash=crash)  # AOF with appendfsync always: every acknowledged write is on disk
    client = queue.connect(redis_server.url)
    assert client.sismember(queue.Keys().run(run_id, "done"), first["code"])  # progress kept
    assert client.scard(queue.Keys().run(run_id, "queued")) == SITES
    client.close()
    summary = finish(proc, tmp_path, "w")
    store = Store.open(db)
    try:
        assert store.crawl_results(run_id) == web.single
    finally:
        store.close()
    state = queue.status(redis_server.url, run_id)
    assert state.drained and state.done == SITES
    reached = [m.code for m in web.items if web.single[m.code].status != "site_unreachable"]
    assert robots_requests(web.sim, since) == Counter(dict.fromkeys(reached, 1))  # nothing crawled twice
    assert sorted(summary["codes"]) == sorted(m.code for m in web.items)


def test_enqueue_skips_what_the_store_has_finished(redis_server: RedisServer, tmp_path: Path) -> None:  # noqa: F811
    """After a lost Redis (no persistence), enqueueing again only queues what the store has not finished."""
    items = [Municipality(f"01{i:02d}", f"K{i}", "01", "Län", f"http://127.0.0.1:9/{i}") for i in range(3)]
    db = str(tmp_path / "dist.sqlite")
    run_id, _ = enqueue_run(redis_server.url, run_settings(db), items, prefix="kommunprogram")
    store = Store.open(db)
    for m in items[:2]:
        store.finish_municipality(run_id, m.code, status="found", reason="x", requests=1, requests_to_first_hit=1,
                                  found_via="link", bytes_downloaded=0, robots_blocked=[], detail={})
    store.close()
    client = queue.connect(redis_server.url)
    client.flushall()  # Redis lost everything
    client.close()
    # the same run, resumed
    assert enqueue_run(redis_server.url, run_settings(db), items, prefix="kommunprogram") == (run_id, 1)
    assert queue.status(redis_server.url, run_id).pending == 1


def test_kommunprogram_run_finishes_a_distributed_run(web: Web, redis_server: RedisServer,  # noqa: F811
                                                     tmp_path: Path) -> None:
    """The documented flow: enqueue, workers crawl, then `run` on the same store resumes the same run,
    crawls nothing again, and goes on with extract, classify and stats."""
    from inventory.runner import run_inventory

    db = str(tmp_path / "k.sqlite")
    run_id, _ = enqueue_run(redis_server.url, run_settings(db), web.items, prefix="kommunprogram")
    summary = worker.worker(redis_server.url, db, max_idle_s=0.2, worker_id="inproc")
    assert summary.municipalities == SITES and summary.stopped.startswith("idle")
    store = Store.open(db)
    fetched = store.fetch_count(run_id)
    since = len(web.sim.request_log)
    settings = Settings(run=RunSettings(year=2026, db_url=db, out_dir=tmp_path / "out", allow_private_addresses=True,
                                        municipalities_csv=web.sim.municipalities_csv), crawl=CONFIG)
    report = run_inventory(settings)
    assert report.run_id == run_id and sum(report.statuses.values()) == SITES
    assert store.fetch_count(run_id) == fetched and len(web.sim.request_log) == since  # nothing crawled again
    assert (tmp_path / "out" / "inventory.csv").is_file()
    store.close()
