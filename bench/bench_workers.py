"""Distributed crawl with 1, 2 and 4 worker processes on the simulated web, against a single process.

Everything runs in one go on this machine: a redis-server and a PostgreSQL (the shared store) started in
temporary directories, the simulated web with realistic latency, then

* the single-process crawl (``crawler.run.crawl``, the baseline every count is compared with), and
* for each worker count: a fresh database, ``enqueue_run`` and N ``python -m crawler.distributed``
  worker processes, timed from enqueue until the queue is drained.

Writes ``outputs/bench/workers.json`` (the figures the issue asks for) and ``workers_detail.json``
(per-worker numbers, CPU seconds, the baseline). Run: ``make bench-workers`` or
``.venv/bin/python bench/bench_workers.py --sites 290``.

Defaults and why: 60 sites, not 290, because on a 2-core machine one 290-site crawl takes ~15 min and
this runs four of them; ``--sites 290`` does the full set. Crawl-delay is off in the generated robots.txt
(``--crawl-delay`` turns the simulated web's default back on): a site with ``Crawl-delay: 5-10`` takes
4-8 minutes whatever the number of workers, so it would only measure the slowest site. Faults are off
so that every run must give the same result.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler import distributed  # noqa: E402
from crawler.config import CrawlConfig  # noqa: E402
from crawler.run import crawl  # noqa: E402
from inventory.municipalities import Municipality, read_municipalities  # noqa: E402
from inventory.store import Store  # noqa: E402
from simweb.config import SimConfig  # noqa: E402
from simweb.generate import generate  # noqa: E402
from simweb.serve import SimWeb  # noqa: E402
from tests.servers import PostgresServer, RedisServer  # noqa: E402

Result = dict[str, tuple[str, frozenset[str], frozenset[str]]]


def result_of(db: str, run_id: int) -> Result:
    """Per municipality: crawl status, document sha256s, candidate URLs (HTML pages carry a fresh session id
    in every response, so they are compared by URL; see tests/test_distributed.py)."""
    store = Store.open(db)
    try:
        out = {}
        for code, o in store.crawl_outcomes(run_id).items():
            cands = store.candidates(run_id, code)
            out[code] = (o["status"], frozenset(c["sha256"] for c in cands if "html" not in (c["content_type"] or "")),
                         frozenset(c["url"] for c in cands))
        return out
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
            out[code] = {"status": [a[0], b[0]], "documents_only_single": sorted(a[1] - b[1]),
                         "documents_only_distributed": sorted(b[1] - a[1]),
                         "urls_only_single": sorted(a[2] - b[2]), "urls_only_distributed": sorted(b[2] - a[2])}
        if len(out) >= limit:
            break
    return out


def fetches(db: str, run_id: int) -> int:
    store = Store.open(db)
    try:
        return store.fetch_count(run_id)
    finally:
        store.close()


def cpu_seconds() -> float:
    """CPU used so far by this process (the simulated web) and its waited-for children (crawls, workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run_single(items: list[Municipality], db: str, config: CrawlConfig) -> dict[str, Any]:
    store = Store.open(db)
    store.upsert_municipalities(items)
    run_id = store.start_run(2026, "bench-single", {})
    store.close()
    cpu0, started = cpu_seconds(), time.monotonic()
    summary = crawl(items, db_url=db, run_id=run_id, config=config)
    wall = time.monotonic() - started
    pages = fetches(db, run_id)
    return {"wall_s": round(wall, 1), "pages": pages, "pages_per_s": round(pages / wall, 1),
            "peak_rss_mb": summary.peak_rss_mb, "cpu_s": round(cpu_seconds() - cpu0, 1),
            "result": result_of(db, run_id)}


def run_workers(n: int, items: list[Municipality], db: str, redis_url: str, config: CrawlConfig,
                tmp: Path) -> dict[str, Any]:
    cpu0, started = cpu_seconds(), time.monotonic()
    prefix = f"bench{n}"  # each count has its own store, and run ids restart at 1 in every store
    run_id, queued = distributed.enqueue_run(redis_url, db, items, 2026, config, prefix=prefix)
    assert queued == len(items), (queued, len(items))
    procs = []
    for i in range(n):
        cmd = [sys.executable, "-m", "crawler.distributed", "--redis", redis_url, "--db", db,
               "--worker-id", f"bench{n}-{i}", "--max-idle", "2", "--summary", str(tmp / f"w{n}-{i}.json"),
               "--prefix", prefix]
        procs.append(subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL))
    distributed.wait_until_drained(redis_url, run_id, timeout_s=3 * 3600, prefix=prefix)
    wall = time.monotonic() - started  # drained: the workers' idle wait before exiting is not crawl time
    for proc in procs:
        if proc.wait() != 0:
            raise SystemExit(f"a worker of the {n}-worker run exited with {proc.returncode}")
    workers = [json.loads((tmp / f"w{n}-{i}.json").read_text()) for i in range(n)]
    pages = fetches(db, run_id)
    return {"wall_s": round(wall, 1), "pages": pages, "pages_per_s": round(pages / wall, 1),
            "peak_rss_mb": max(w["peak_rss_mb"] for w in workers),
            "worker_process_rss_mb": max(w["worker_rss_mb"] for w in workers),
            "cpu_s": round(cpu_seconds() - cpu0, 1),
            "per_worker": [{k: w[k] for k in ("worker_id", "municipalities", "requests", "peak_rss_mb",
                                              "worker_rss_mb", "child_runs", "wall_s")} for w in workers],
            "result": result_of(db, run_id)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--latency-ms", type=float, nargs=2, default=(20.0, 300.0))
    parser.add_argument("--crawl-delay", action="store_true", help="keep the simulated web's Crawl-delay sites")
    parser.add_argument("--out", type=Path, default=ROOT / "outputs" / "bench" / "workers.json")
    args = parser.parse_args(argv)
    config = CrawlConfig(allow_private_addresses=True)  # the shipped defaults: 32 municipalities per process

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
                                  "config": {"concurrent_municipalities": config.concurrent_municipalities,
                                             "budget": config.budget, "autothrottle": config.autothrottle},
                                  "store": "postgresql", "cores": _cores()}
        try:
            with SimWeb(tmp / "web", latency_ms=tuple(args.latency_ms), faults=False) as web:
                items = read_municipalities(web.municipalities_csv)
                single = run_single(items, postgres.create_database("single"), config)
                print(f"single process: {single['wall_s']} s, {single['pages_per_s']} pages/s", file=sys.stderr)
                runs = {}
                for n in args.workers:
                    runs[n] = run_workers(n, items, postgres.create_database(f"w{n}"), redis.url, config, tmp)
                    print(f"{n} worker(s): {runs[n]['wall_s']} s, {runs[n]['pages_per_s']} pages/s", file=sys.stderr)
                # The baseline again, last: on a shared machine the load drifts during the benchmark, and two
                # single-process runs also show how far the crawl itself is repeatable.
                again = run_single(items, postgres.create_database("single_again"), config)
                print(f"single process again: {again['wall_s']} s, {again['pages_per_s']} pages/s", file=sys.stderr)
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
                  same_result_per_count={str(n): v for n, v in same.items()},
                  differences={str(n): differences(baseline, r) for n, r in results.items()},
                  cpu_utilisation={str(n): round(run["cpu_s"] / (run["wall_s"] * detail["cores"]), 2)
                                   for n, run in runs.items()})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    args.out.with_name(args.out.stem + "_detail.json").write_text(json.dumps(detail, indent=2) + "\n",
                                                                  encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


def _cores() -> int:
    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    sys.exit(main())
