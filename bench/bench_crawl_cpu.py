"""CPU per page of one crawl process: this tree's code against a baseline checkout, on the same sites and stores.

The crawl process's own CPU is what limits a distributed crawl (docs/operations.md §4), so this measures it
directly: ``python -m crawler.run`` on the simulated web, once with the code of ``--baseline`` (a checkout,
e.g. ``git worktree add /tmp/kp-base <commit>``) and once with this tree, for SQLite and PostgreSQL, the
two alternating so that a change in the machine's load hits both. Per run: the crawl child's user+sys CPU
seconds (``os.wait4``), the PostgreSQL server's CPU, pages (fetch rows), pages/s, CPU ms per page, and
the result per municipality (status, document sha256s, candidate URLs: ``bench_workers.result_of``),
which must be the same for both codes.

``--profile DIR`` runs each child under cProfile and writes ``DIR/<code>-<store>.prof`` plus the top
entries into the detail JSON. Run: ``.venv/bin/python bench/bench_crawl_cpu.py --baseline /tmp/kp-base
[--sites 60] [--rounds 1]``; writes ``outputs/bench/crawl_cpu.json`` and ``crawl_cpu_detail.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from base.municipalities import Municipality, read_municipalities  # noqa: E402
from base.settings import CrawlSettings  # noqa: E402
from base.store import Store  # noqa: E402
from bench._common import write_results  # noqa: E402
from bench.bench_workers import differences, fetches, result_of, tree_cpu  # noqa: E402
from crawler.run import _job  # noqa: E402
from simweb.config import SimConfig  # noqa: E402
from simweb.generate import generate  # noqa: E402
from simweb.pool import SimWebPool  # noqa: E402
from tests.servers import PostgresServer  # noqa: E402


def crawl_child(code_dir: Path, items: list[Municipality], db: str, config: CrawlSettings, work: Path,
                profile: Path | None) -> dict[str, Any]:
    """One crawl child with the code in ``code_dir`` (``crawler.crawl_child``; ``crawler.run`` in checkouts
    older than it); its own CPU seconds from wait4."""
    store = Store.open(db)
    store.upsert_municipalities(items)
    run_id = store.start_run(2026, "bench-crawl-cpu", {})
    store.close()
    work.mkdir(parents=True, exist_ok=True)
    job = work / "job.json"
    job.write_text(json.dumps(_job(items, db, run_id, config)), encoding="utf-8")
    prof = ["-m", "cProfile", "-o", str(profile)] if profile else []
    module = "crawler.crawl_child" if (code_dir / "crawler" / "crawl_child.py").exists() else "crawler.run"
    cmd = [sys.executable, *prof, "-m", module, "--job", str(job), "--summary", str(work / "summary.json"),
           "--log", str(work / "crawl.log")]
    env = {**os.environ, "PYTHONPATH": str(code_dir)}
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=code_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.stderr is not None
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"crawl with {code_dir} exited with {proc.returncode}: {err[-800:]}")
    pages = fetches(db, run_id)
    cpu = usage.ru_utime + usage.ru_stime
    return {"wall_s": round(wall, 1), "cpu_s": round(cpu, 2), "user_s": round(usage.ru_utime, 2),
            "sys_s": round(usage.ru_stime, 2), "pages": pages, "pages_per_s": round(pages / wall, 1),
            "cpu_ms_per_page": round(1000 * cpu / pages, 2) if pages else None,
            "result": result_of(db, run_id)}


def top(profile: Path, n: int = 25) -> list[str]:
    out = io.StringIO()
    pstats.Stats(str(profile), stream=out).sort_stats("cumulative").print_stats(n)
    return [line for line in out.getvalue().splitlines() if line.strip()][-n:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="checkout of the code to compare with")
    parser.add_argument("--new", type=Path, default=ROOT, help="checkout of the new code (default: this tree)")
    parser.add_argument("--sites", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rounds", type=int, default=1, help="alternating baseline/new pairs per store")
    parser.add_argument("--stores", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    parser.add_argument("--latency-ms", type=float, nargs=2, default=(20.0, 300.0))
    parser.add_argument("--server-processes", type=int, default=2)
    parser.add_argument("--profile", type=Path, default=None, help="write cProfile output here")
    parser.add_argument("--new-only", action="store_true", help="only this tree (a quick profile, no comparison)")
    parser.add_argument("--out", type=Path, default=ROOT / "outputs" / "bench" / "crawl_cpu.json")
    args = parser.parse_args(argv)
    config = CrawlSettings(allow_private_addresses=True)  # the shipped defaults, as bench_workers
    codes = {"baseline": args.baseline.resolve(), "new": args.new.resolve()}
    if args.new_only:
        del codes["baseline"]
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)

    runs: dict[str, list[dict[str, Any]]] = {}
    results: dict[str, list[Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-crawl-cpu-") as tmp_name:
        tmp = Path(tmp_name)
        generate(tmp / "web", sites=args.sites, seed=args.seed, config=SimConfig().replace(robots_crawl_delay=0.0))
        pg_dir = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        postgres = PostgresServer(pg_dir).start() if "postgresql" in args.stores else None
        try:
            with SimWebPool(tmp / "web", processes=args.server_processes, latency_ms=tuple(args.latency_ms),
                            faults=False) as web:
                items = read_municipalities(web.municipalities_csv)
                n = 0
                for store in args.stores:
                    for rnd in range(args.rounds):
                        for code, code_dir in codes.items():
                            n += 1
                            key = f"{code}-{store}"
                            if store == "sqlite":
                                db = f"sqlite:///{tmp}/crawl{n}.db"
                            else:
                                assert postgres is not None
                                db = postgres.create_database(f"crawl{n}")
                            profile = args.profile / f"{key}.prof" if args.profile and rnd == 0 else None
                            pg0 = tree_cpu(postgres.proc.pid) if postgres else 0.0  # type: ignore[union-attr]
                            run = crawl_child(code_dir, items, db, config, tmp / f"w{n}", profile)
                            if store == "postgresql":
                                run["postgres_cpu_s"] = round(tree_cpu(postgres.proc.pid) - pg0, 2)  # type: ignore[union-attr]
                            if profile:
                                run["profile_top"] = top(profile)
                            results.setdefault(key, []).append(run.pop("result"))
                            runs.setdefault(key, []).append(run)
                            shown = {k: v for k, v in run.items() if k != "profile_top"}
                            print(f"{key} round {rnd}: {json.dumps(shown)}", file=sys.stderr)
        finally:
            if postgres is not None:
                postgres.stop()
            shutil.rmtree(pg_dir, ignore_errors=True)

    reference = next(iter(results.values()))[0]
    diffs = {f"{key}#{i}": differences(reference, r) for key, rs in results.items() for i, r in enumerate(rs)}
    summary: dict[str, Any] = {}
    for key, rs in runs.items():
        summary[key] = {"cpu_ms_per_page_median": statistics.median(r["cpu_ms_per_page"] for r in rs),
                        "pages_per_s_median": statistics.median(r["pages_per_s"] for r in rs),
                        "pages": rs[0]["pages"]}
    for store in args.stores:
        base, new = summary.get(f"baseline-{store}"), summary.get(f"new-{store}")
        if base and new:
            summary[f"cpu_per_page_ratio-{store}"] = round(new["cpu_ms_per_page_median"]
                                                           / base["cpu_ms_per_page_median"], 3)
    result = {"sites": args.sites, "rounds": args.rounds, "baseline": str(args.baseline), "new": str(args.new),
              "runs": summary,
              "same_result": not any(diffs.values())}
    detail = {**result, "latency_ms": list(args.latency_ms), "config": config.to_dict(), "runs_detail": runs,
              "differences": {k: v for k, v in diffs.items() if v}, "load_average_at_end": list(os.getloadavg())}
    write_results(args.out, result, detail)
    return 0


if __name__ == "__main__":
    sys.exit(main())
