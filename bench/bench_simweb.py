"""Benchmark: simulated web generation time and serving throughput, against python's http.server.

Usage: ``python bench/bench_simweb.py [--sites 290] [--seed 1] [--requests 6000] [--concurrency 32]
[--rounds 3] [--out outputs/bench/simweb.json]``.

1. Generation: wall time of ``simweb.generate.generate`` for ``--sites`` sites (target: 290 in < 60 s).
2. Serving: a keep-alive asyncio client in a separate process (so client and server do not share a
   GIL; on 2 cores each gets one) fetches URLs from the served web with faults and latency off:
   - ``pages``: rendered HTML pages across all live sites (sitemap-style page list, shuffled);
   - ``documents``: the real programme/decoy files (PDF/DOCX) of the same web.
   The baseline serves the *same document files* with ``http.server.ThreadingHTTPServer`` +
   ``SimpleHTTPRequestHandler`` (HTTP/1.1 keep-alive), fetched by the same client in the same run.
Numbers are requests/s = completed 2xx/3xx responses / client wall time; the three measurements are
interleaved over ``--rounds`` rounds and reported as medians, with the load average before and after
(the benchmark machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import multiprocessing as mp
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simweb.generate import generate  # noqa: E402
from simweb.serve import SimWeb  # noqa: E402

Target = tuple[str, int, str]  # (address, port, path)


async def _fetch_all(targets: list[Target], concurrency: int) -> dict[str, Any]:
    queue: asyncio.Queue[Target] = asyncio.Queue()
    for t in targets:
        queue.put_nowait(t)
    ok = errors = nbytes = 0

    async def worker() -> None:
        nonlocal ok, errors, nbytes
        conns: dict[tuple[str, int], tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}
        while not queue.empty():
            addr, port, path = queue.get_nowait()
            try:
                if (addr, port) not in conns:
                    conns[(addr, port)] = await asyncio.open_connection(addr, port)
                reader, writer = conns[(addr, port)]
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {addr}:{port}\r\nUser-Agent: bench\r\n\r\n".encode())
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                body = await reader.readexactly(length)
                nbytes += len(body)
                if status < 400:
                    ok += 1
                else:
                    errors += 1
                if b"connection: close" in head.lower():
                    writer.close()
                    del conns[(addr, port)]
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                conns.pop((addr, port), None)
        for _, writer in conns.values():
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"requests": ok, "errors": errors, "seconds": round(elapsed, 3), "rps": round(ok / elapsed, 1),
            "mb": round(nbytes / 1e6, 1)}  # fmt: skip


def _client(targets: list[Target], concurrency: int, out: Any) -> None:
    out.put(asyncio.run(_fetch_all(targets, concurrency)))


def measure(targets: list[Target], concurrency: int) -> dict[str, Any]:
    """Run the client in its own process and return its figures."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    proc = ctx.Process(target=_client, args=(targets, concurrency, q))
    proc.start()
    result: dict[str, Any] = q.get(timeout=600)
    proc.join(60)
    return result


def page_targets(web: SimWeb, n: int, rng: random.Random) -> list[Target]:
    out: list[Target] = []
    for code, site in web.web.sites.items():
        if web.manifest["hosts"][code]["down"]:
            continue
        addr = web.manifest["hosts"][code]["addr"]
        out += [(addr, web.port, p["path"]) for p in site.pages if p["host"] == "main" and not p["orphan"]]
    rng.shuffle(out)
    return out[:n]


def document_files(web_dir: Path) -> list[tuple[str, Path]]:
    """(code, file) of every generated document."""
    return sorted((f.parent.parent.name, f) for f in (web_dir / "sites").glob("*/files/*"))


def median(results: list[dict[str, Any]]) -> float:
    return float(statistics.median(r["rps"] for r in results))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=290)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--requests", type=int, default=6000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "outputs" / "bench" / "simweb.json")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="bench-simweb-"))
    try:
        started = time.perf_counter()
        generate(tmp / "web", sites=args.sites, seed=args.seed)
        gen_s = time.perf_counter() - started
        size_mb = sum(f.stat().st_size for f in (tmp / "web").rglob("*") if f.is_file()) / 1e6
        print(f"generated {args.sites} sites in {gen_s:.1f} s ({size_mb:.0f} MB)", flush=True)

        # baseline: the same files from python's http.server (threaded, HTTP/1.1 keep-alive)
        static = tmp / "static"
        static.mkdir()
        names = []
        for i, (_, f) in enumerate(document_files(tmp / "web")):
            name = f"{i}{f.suffix}"
            shutil.copyfile(f, static / name)
            names.append(name)
        SimpleHTTPRequestHandler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
        SimpleHTTPRequestHandler.protocol_version = "HTTP/1.1"
        server = ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(SimpleHTTPRequestHandler, directory=str(static))
        )
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.server_address[1]
        base_targets = [("127.0.0.1", port, "/" + quote(n)) for n in names]
        base_targets = (base_targets * (args.requests // max(1, len(base_targets)) + 1))[: args.requests]
        rng.shuffle(base_targets)
        runs: dict[str, list[dict[str, Any]]] = {"pages": [], "documents": [], "baseline": []}
        load_before = os.getloadavg()
        try:
            with SimWeb(tmp / "web", faults=False) as web:
                docs_by_host: dict[str, list[str]] = {}  # host key -> paths (main hosts and cms. hosts)
                for code, f in document_files(tmp / "web"):
                    doc = web.web.sites[code].docs[int(f.stem)]
                    if doc["host"] in ("main", "cms") and not web.manifest["hosts"][code]["down"]:
                        key = web.web.sites[code].m["hosts"][doc["host"]]
                        docs_by_host.setdefault(key, []).append(doc["path"])
                hosts = web.manifest["hosts"]
                doc_targets = [(hosts[k]["addr"], web.port, p) for k, ps in docs_by_host.items() for p in ps]
                doc_targets = (doc_targets * (args.requests // max(1, len(doc_targets)) + 1))[: args.requests]
                rng.shuffle(doc_targets)
                all_pages = page_targets(web, args.requests * args.rounds, rng)
                # interleaved rounds: the machine is shared, so compare medians of alternating runs
                for r in range(args.rounds):
                    pages = all_pages[r * args.requests : (r + 1) * args.requests]  # fresh pages each round
                    runs["pages"].append(measure(pages, args.concurrency))
                    runs["documents"].append(measure(doc_targets, args.concurrency))
                    runs["baseline"].append(measure(base_targets, args.concurrency))
                    print(
                        f"round {r + 1}: " + ", ".join(f"{k} {v[-1]['rps']} req/s" for k, v in runs.items()), flush=True
                    )
        finally:
            server.shutdown()
            server.server_close()
            thread.join(10)
        load_after = os.getloadavg()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    result = {
        "benchmark": "simweb",
        "command": " ".join(["python", "bench/bench_simweb.py", *sys.argv[1:]]),
        "sites": args.sites, "seed": args.seed, "concurrency": args.concurrency,
        "generation_seconds": round(gen_s, 2), "generated_mb": round(size_mb, 1),
        "rounds": args.rounds, "requests_per_round": args.requests,
        "simweb_pages_rps_median": median(runs["pages"]),
        "simweb_documents_rps_median": median(runs["documents"]),
        "baseline_http_server_documents_rps_median": median(runs["baseline"]),
        "runs": runs, "loadavg_before": load_before, "loadavg_after": load_after,
        "target": {"generation_seconds_max": 60, "rps_min": 500},
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
