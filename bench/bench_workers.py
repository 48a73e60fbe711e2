"""Distributed crawl with 1, 2 and 4 worker processes on the simulated web, against a single process.

Everything runs in one go on this machine: a redis-server and a PostgreSQL (the shared store) started in
temporary directories, the simulated web, then

* the single-process crawl (``crawler.run.crawl``, the baseline every count is compared with), once
  before and once after the worker runs (the second shows how far the crawl repeats itself), and
* for each worker count: a fresh database, ``enqueue_run`` and N ``python -m inventory.worker``
  worker processes, timed from enqueue until the queue is drained.

Every run crawls the same sites with the same ``CrawlSettings``. Writes ``outputs/bench/workers.json``
(the figures the issue asks for) and ``workers_detail.json``: per run the CPU seconds of the simulated
web, the crawl processes, PostgreSQL, Redis, this harness and everything else on the machine
(``others``: a shared machine is rarely idle), how much later than its configured latency
the web answered a probe request (sent every 0.25 s from a process of its own), the per-municipality
crawl times, and per worker its requests and memory. Run: ``make bench-workers`` (290 sites) or
``.venv/bin/python bench/bench_workers.py [--sites 60]`` (a quicker look).

Choices, and why:

* **The simulated web runs in its own processes** (``simweb.pool.SimWebPool``, the hosts split over
  ``--server-processes``, default 2 = the cores here), so that nothing in the harness (one GIL) can hold
  it up and its CPU is counted apart from everything else. ``--server thread`` serves it from a thread of
  this process (``SimWeb``) for comparison; measured 2026-11-27 on 60 sites that thread used 1-3 of
  ~30 CPU-s per run and answered 2-7 ms (median) later than configured, so it was not what limited the
  runs: the crawl processes' own CPU was.
* **Latency 20-300 ms per response**, log-normal per host (median ~80 ms): what
  ../shared/research/municipal-web.md §2.3 gives for municipal servers.
* **The shipped crawl settings**: 32 municipalities per crawl process, AutoThrottle on, one request in
  flight per host. Fewer slots per worker would make more workers look better at 60 sites, but nobody
  would run them that way; with 290 sites one process already has 9 municipalities per slot.
* **Crawl-delay off** in the generated robots.txt (``--crawl-delay`` turns the web's default back on): a
  site with ``Crawl-delay: 5-10`` takes 4-8 minutes whatever the number of workers, so the benchmark
  would only measure the slowest site. **Faults off**, so that every run must give the same result.
* **Peak memory per worker** is the worker process's peak plus its crawl child's peak (both are alive at
  once; the sum is an upper bound), the largest over the run's workers; ``workers_detail.json`` has
  both parts per worker.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from base.municipalities import Municipality, read_municipalities  # noqa: E402
from base.settings import (  # noqa: E402
    CrawlSettings,  # noqa: E402
    RunSettings,
    Settings,
)
from base.store import CrawlResult, Store  # noqa: E402
from bench._common import write_results  # noqa: E402
from crawler import queue  # noqa: E402
from crawler.run import crawl  # noqa: E402
from inventory.runs import enqueue_run  # noqa: E402
from simweb.config import SimConfig  # noqa: E402
from simweb.faults import latency_ms  # noqa: E402
from simweb.generate import generate  # noqa: E402
from simweb.pool import SimWebPool  # noqa: E402
from simweb.serve import SimWeb  # noqa: E402
from tests.servers import PostgresServer, RedisServer  # noqa: E402

SITES = 290  # the issue asks for all 290; about 13 minutes for the five crawls on 2 cores

Result = dict[str, CrawlResult]


def result_of(db: str, run_id: int) -> Result:
    """Per municipality: crawl status, document sha256s, candidate URLs (``Store.crawl_results``)."""
    store = Store.open(db)
    try:
        return store.crawl_results(run_id)
    finally:
        store.close()


def differences(baseline: Result, other: Result, limit: int = 10) -> dict[str, Any]:
    """Where a distributed run differs from the single process (empty when the same)."""
    out: dict[str, Any] = {}
    for code in sorted(set(baseline) | set(other)):
        a, b = baseline.get(code), other.get(code)
        if a == b:
            continue
        if a is None or b is None:
            out[code] = "only in one run"
        else:
            out[code] = {"status": [a.status, b.status],
                         "documents_only_single": sorted(a.document_sha256 - b.document_sha256),
                         "documents_only_distributed": sorted(b.document_sha256 - a.document_sha256),
                         "urls_only_single": sorted(a.candidate_urls - b.candidate_urls),
                         "urls_only_distributed": sorted(b.candidate_urls - a.candidate_urls)}
        if len(out) >= limit:
            break
    return out


def fetches(db: str, run_id: int) -> int:
    store = Store.open(db)
    try:
        return store.fetch_count(run_id)
    finally:
        store.close()


def _stat_fields(path: str) -> list[str]:
    return Path(path).read_text().rsplit(")", 1)[1].split()


def _ticks(fields: list[str], waited: bool) -> float:
    """utime + stime (+ the waited-for children's cutime + cstime) of a /proc stat line, in seconds."""
    used = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if waited else 0)
    return used / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds of a server and its children, the exited ones included (PostgreSQL: a backend per
    connection, reaped by the postmaster)."""
    total = _ticks(_stat_fields(f"/proc/{pid}/stat"), waited=True)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = _stat_fields(f"/proc/{entry.name}/stat")
            except OSError:
                continue  # exited meanwhile
            if int(fields[1]) == pid:
                total += _ticks(fields, waited=True)
    return total


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (every process, ours and others'), from /proc/stat."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


class Meter:
    """CPU seconds used so far, split by who used them."""

    def __init__(self, web: SimWeb | SimWebPool, redis: RedisServer, postgres: PostgresServer) -> None:
        self.web, self.redis_pid, self.postgres_pid = web, redis.proc.pid, postgres.proc.pid  # type: ignore[union-attr]
        self.thread_id = next((t.native_id for t in threading.enumerate() if t.name == "simweb"), None)

    def read(self) -> dict[str, float]:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        if isinstance(self.web, SimWebPool):
            server, in_harness = self.web.cpu_seconds(), 0.0
        else:  # the server thread of this process
            server = in_harness = _ticks(_stat_fields(f"/proc/self/task/{self.thread_id}/stat"), waited=False)
        return {"server": server,
                # crawl children, workers and their crawl children: every one is waited for before a read
                "crawl": kids.ru_utime + kids.ru_stime,
                "postgres": tree_cpu(self.postgres_pid), "redis": tree_cpu(self.redis_pid),
                "harness": me.ru_utime + me.ru_stime - in_harness, "machine": machine_busy()}


def probe(addr: str, port: int, key: str, target: str, bounds: tuple[float, float], stop: Any, conn: Any) -> None:
    """Request ``target`` every 0.25 s until ``stop``; send back how many ms each answer took beyond the
    latency the simulated web was configured to add to it (that is queueing and rendering in the server)."""
    extra: list[float] = []
    client = http.client.HTTPConnection(addr, port, timeout=60)
    attempt = 0
    while not stop.wait(0.25):
        attempt += 1  # the web draws each request's latency from (host, target, attempt)
        started = time.monotonic()
        try:
            client.request("GET", target, headers={"User-Agent": "bench-probe"})
            client.getresponse().read()
        except (OSError, http.client.HTTPException):
            client.close()
            continue
        extra.append((time.monotonic() - started) * 1000 - latency_ms(bounds, key, target, attempt))
    client.close()
    conn.send(extra)


def measured(label: str, run: Any, web: SimWeb | SimWebPool, meter: Meter) -> dict[str, Any]:
    """``run()`` with CPU seconds per party and the probe's view of the server around it."""
    ctx = multiprocessing.get_context("spawn")
    stop, (receive, send) = ctx.Event(), ctx.Pipe(duplex=False)
    key = "thirdparty"  # a host no municipality's crawl asks for the probe's URL
    addr = web.manifest["hosts"][key]["addr"]
    prober = ctx.Process(target=probe, args=(addr, web.port, key, f"/bench-probe/{label}", web.cfg.latency_ms,
                                             stop, send), daemon=True)
    prober.start()
    server0 = web.stats() if isinstance(web, SimWebPool) else None
    before = meter.read()
    out = run()
    after = meter.read()  # before the probe is waited for: its CPU is not the crawl's
    stop.set()
    extra = receive.recv()
    prober.join()
    cpu = {k: round(after[k] - before[k], 1) for k in after if k != "machine"}
    ours = sum(cpu.values())
    # what else kept the cores busy meanwhile: other sessions on a shared machine, and the probe
    cpu["others"] = round(after["machine"] - before["machine"] - ours, 1)
    out["cpu_s"] = cpu
    out["cpu_utilisation"] = {"ours": round(ours / (out["wall_s"] * _cores()), 2),
                              "machine": round((after["machine"] - before["machine"]) / (out["wall_s"] * _cores()), 2)}
    out["server_ms_beyond_latency"] = _spread(extra)
    if server0 is not None:
        server1 = web.stats()  # type: ignore[union-attr]
        out["server_processes"] = [{"pid": a["pid"], "hosts": a["hosts"], "cpu_s": round(b["cpu_s"] - a["cpu_s"], 1),
                                    "peak_rss_mb": b["peak_rss_mb"]} for a, b in zip(server0, server1, strict=True)]
    return out


def _spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {"n": len(ordered), "median": round(statistics.median(ordered), 1),
            "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 1), "max": round(ordered[-1], 1)}


def site_times(db: str, run_id: int, slots: int) -> dict[str, float]:
    """Seconds per municipality from claim to finish (the store keeps whole seconds): the slowest is the
    floor no number of workers goes under; the sum over the slots is the floor with ``slots`` at once."""
    store = Store.open(db)
    try:
        spans = [(datetime.fromisoformat(o["finished_at"]) - datetime.fromisoformat(o["started_at"])).total_seconds()
                 for o in store.crawl_outcomes(run_id).values() if o["started_at"] and o["finished_at"]]
    finally:
        store.close()
    if not spans:
        return {}
    return {"median": statistics.median(spans), "max": max(spans), "sum": sum(spans),
            "sum_over_slots": round(sum(spans) / slots, 1)}


def run_single(items: list[Municipality], db: str, config: CrawlSettings) -> dict[str, Any]:
    store = Store.open(db)
    store.upsert_municipalities(items)
    run_id = store.start_run(2026, "bench-single", {})
    store.close()
    started = time.monotonic()
    summary = crawl(items, db_url=db, run_id=run_id, config=config)
    wall = time.monotonic() - started
    pages = fetches(db, run_id)
    return {"wall_s": round(wall, 1), "pages": pages, "pages_per_s": round(pages / wall, 1),
            "peak_rss_mb": summary.peak_rss_mb,
            "site_s": site_times(db, run_id, config.concurrent_municipalities), "result": result_of(db, run_id)}


def run_workers(n: int, items: list[Municipality], db: str, redis_url: str, config: CrawlSettings,
                tmp: Path) -> dict[str, Any]:
    started = time.monotonic()
    prefix = f"bench{n}"  # each count has its own store, and run ids restart at 1 in every store
    settings = Settings(run=RunSettings(year=2026, db_url=db, allow_private_addresses=True), crawl=config)
    run_id, queued = enqueue_run(redis_url, settings, items, prefix=prefix)
    assert queued == len(items), (queued, len(items))
    procs = []
    for i in range(n):
        cmd = [sys.executable, "-m", "inventory.worker", "--redis", redis_url, "--db", db,
               "--worker-id", f"bench{n}-{i}", "--max-idle", "2", "--summary", str(tmp / f"w{n}-{i}.json"),
               "--prefix", prefix]
        procs.append(subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL))
    queue.wait_until_drained(redis_url, run_id, timeout_s=3 * 3600, prefix=prefix)
    wall = time.monotonic() - started  # drained: the workers' idle wait before exiting is not crawl time
    for proc in procs:
        if proc.wait() != 0:
            raise SystemExit(f"a worker of the {n}-worker run exited with {proc.returncode}")
    workers = [json.loads((tmp / f"w{n}-{i}.json").read_text()) for i in range(n)]
    pages = fetches(db, run_id)
    return {"wall_s": round(wall, 1), "pages": pages, "pages_per_s": round(pages / wall, 1),
            "peak_rss_mb": max(round(w["peak_rss_mb"] + w["worker_rss_mb"], 1) for w in workers),
            "per_worker": [{k: w[k] for k in ("worker_id", "municipalities", "requests", "peak_rss_mb",
                                              "worker_rss_mb", "child_runs", "wall_s")} for w in workers],
            "site_s": site_times(db, run_id, n * config.concurrent_municipalities),
            "result": result_of(db, run_id)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=SITES)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--latency-ms", type=float, nargs=2, default=(20.0, 300.0))
    parser.add_argument("--crawl-delay", action="store_true", help="keep the simulated web's Crawl-delay sites")
    parser.add_argument("--server", choices=("pool", "thread"), default="pool",
                        help="simulated web in its own processes (pool) or a thread of this process (SimWeb)")
    parser.add_argument("--server-processes", type=int, default=2, help="processes of the pool")
    parser.add_argument("--out", type=Path, default=ROOT / "outputs" / "bench" / "workers.json")
    args = parser.parse_args(argv)
    config = CrawlSettings(allow_private_addresses=True)  # the shipped defaults: 32 municipalities per process

    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp_name:
        tmp = Path(tmp_name)
        sim_config = SimConfig() if args.crawl_delay else SimConfig().replace(robots_crawl_delay=0.0)
        t0 = time.monotonic()
        generate(tmp / "web", sites=args.sites, seed=args.seed, config=sim_config)
        print(f"generated {args.sites} sites in {time.monotonic() - t0:.0f} s", file=sys.stderr)
        redis = RedisServer(tmp / "redis").start()
        pg_dir = Path(tempfile.mkdtemp(prefix="bench-pg-"))  # outside tmp: PostgreSQL may run as another user
        postgres = PostgresServer(pg_dir).start()
        detail: dict[str, Any] = {"sites": args.sites, "seed": args.seed, "latency_ms": list(args.latency_ms),
                                  "crawl_delay_sites": args.crawl_delay, "faults": False,
                                  "server": args.server,
                                  "server_processes": args.server_processes if args.server == "pool" else 0,
                                  "config": {"concurrent_municipalities": config.concurrent_municipalities,
                                             "budget": config.budget, "autothrottle": config.autothrottle,
                                             "per_host_concurrency": config.per_host_concurrency},
                                  "store": "postgresql", "cores": _cores(),
                                  "load_average_at_start": list(os.getloadavg())}
        web: SimWeb | SimWebPool = (
            SimWebPool(tmp / "web", processes=args.server_processes, latency_ms=tuple(args.latency_ms), faults=False)
            if args.server == "pool" else SimWeb(tmp / "web", latency_ms=tuple(args.latency_ms), faults=False))
        try:
            with web:
                meter = Meter(web, redis, postgres)
                items = read_municipalities(web.municipalities_csv)
                single = measured("single", lambda: run_single(items, postgres.create_database("single"), config),
                                  web, meter)
                _progress("single process", single)
                runs = {}
                for n in args.workers:
                    runs[n] = measured(f"w{n}", lambda n=n: run_workers(n, items, postgres.create_database(f"w{n}"),
                                                                         redis.url, config, tmp), web, meter)
                    _progress(f"{n} worker(s)", runs[n])
                # The baseline again, last: if the machine's load drifts during the benchmark this shows it,
                # and two single-process runs also show how far the crawl itself is repeatable.
                again = measured("again", lambda: run_single(items, postgres.create_database("single_again"),
                                                             config), web, meter)
                _progress("single process again", again)
        finally:
            redis.stop()
            postgres.stop()
            shutil.rmtree(pg_dir, ignore_errors=True)
    baseline = single.pop("result")
    again_result = again.pop("result")
    results = {n: run.pop("result") for n, run in runs.items()}
    same = {n: r == baseline for n, r in results.items()}
    one = runs[min(runs)]["wall_s"]
    result = {
        "sites": args.sites,
        "runs": {str(n): {k: run[k] for k in ("wall_s", "pages_per_s", "peak_rss_mb")} for n, run in runs.items()},
        "speedup": {str(n): round(one / run["wall_s"], 2) for n, run in runs.items() if n != min(runs)},
        "same_result_as_single_process": all(same.values()),
    }
    detail.update(single_process=single, single_process_again=again,
                  single_again_differences=differences(baseline, again_result),
                  load_average_at_end=list(os.getloadavg()), runs={str(n): run for n, run in runs.items()},
                  speedup_over_single_process={str(n): round(single["wall_s"] / run["wall_s"], 2)
                                               for n, run in runs.items()},
                  same_result_per_count={str(n): v for n, v in same.items()},
                  differences={str(n): differences(baseline, r) for n, r in results.items()})
    write_results(args.out, result, detail)
    return 0


def _progress(label: str, run: dict[str, Any]) -> None:
    print(f"{label}: {run['wall_s']} s, {run['pages_per_s']} pages/s, CPU s {run['cpu_s']}, "
          f"server ms beyond latency {run['server_ms_beyond_latency']}, site s {run['site_s']}", file=sys.stderr)


def _cores() -> int:
    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    sys.exit(main())
