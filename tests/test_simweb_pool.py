"""simweb.pool: the simulated web served by several processes, one share of the hosts each, one port."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from base.errors import UsageError
from simweb.config import SimConfig
from simweb.generate import generate, load_manifest
from simweb.pool import SimWebPool, partition
from simweb.serve import SimWeb

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def web_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("web"), sites=8, seed=5, config=SimConfig.for_tests())


def get(origin: str, path: str = "/") -> tuple[int, bytes]:
    host, port = origin.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", path, headers={"User-Agent": "kommunprogram-test/0.1"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()


def test_partition_keeps_a_municipalitys_hosts_together_and_serves_every_live_host(web_dir: Path) -> None:
    manifest = load_manifest(web_dir)
    groups = partition(manifest, 3)
    assert len(groups) == 3 and all(groups)
    served = [k for g in groups for k in g]
    assert sorted(served) == sorted(k for k, h in manifest["hosts"].items() if not h["down"])
    owner = {k: i for i, g in enumerate(groups) for k in g}
    for key in served:
        site = manifest["hosts"][key]["site"]
        if site and site in owner:
            assert owner[key] == owner[site], key
    assert sorted(partition(manifest, 1)[0]) == sorted(served)
    with pytest.raises(UsageError, match="processes=0"):
        partition(manifest, 0)


def test_hosts_of_different_processes_answer_on_one_port_like_a_single_server(web_dir: Path) -> None:
    with SimWeb(web_dir, faults=False) as single:
        expected = {code: get(single.host_origin(code), "/robots.txt") for code in single.manifest["codes"]
                    if not single.manifest["hosts"][code]["down"]}
    with SimWebPool(web_dir, processes=3, faults=False) as pool:
        assert len(set(pool.pids)) == 3 and os.getpid() not in pool.pids
        owner = {k: i for i, g in enumerate(pool.groups) for k in g}
        assert len({owner[code] for code in expected}) == 3  # the sites asked below live in all three processes
        for code, (status, body) in expected.items():
            # robots.txt carries the origin (with the port), so equal bytes mean the same host and port
            assert get(pool.host_origin(code), "/robots.txt") == (status, body.replace(
                f":{single.port}".encode(), f":{pool.port}".encode()))
        home = get(pool.site_url(next(iter(expected))).rstrip("/"))
        assert home[0] == 200 and b"<html" in home[1].lower()
        assert pool.truth["served_port"] == pool.port
        assert f":{pool.port}/" in pool.municipalities_csv.read_text(encoding="utf-8")
        stats = pool.stats()
        assert [s["pid"] for s in stats] == pool.pids and all(s["peak_rss_mb"] > 0 for s in stats)

        # one process stopped: its hosts go quiet, the others' still answer (nobody else holds their sockets)
        gone = next(code for code in expected if owner[code] == 0)
        still = next(code for code in expected if owner[code] == 1)
        pool._procs[0].send_signal(signal.SIGTERM)
        pool._procs[0].wait(30)
        with pytest.raises(ConnectionRefusedError):
            get(pool.host_origin(gone), "/robots.txt")
        assert get(pool.host_origin(still), "/robots.txt")[0] == 200
        pids = pool.pids
    assert not any(alive(pid) for pid in pids)
    # the children's logs are gathered on stop
    assert {r.host for r in pool.request_log} >= set(expected)
    assert all(r.target in ("/robots.txt", "/") for r in pool.request_log)
    assert pool.robots_violations() == [] and pool.trap_share() == 0.0


def test_a_pool_whose_parent_is_killed_leaves_no_server_behind(web_dir: Path) -> None:
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from simweb.pool import SimWebPool
        pool = SimWebPool({str(web_dir)!r}, processes=2, faults=False)
        pool.start()
        print(" ".join(map(str, pool.pids)), flush=True)
        time.sleep(120)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    pids = [int(p) for p in parent.stdout.readline().split()]
    assert len(pids) == 2 and all(alive(pid) for pid in pids)
    parent.kill()
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 10  # the children look at their parent every 0.5 s
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in pids)


def test_a_started_pool_refuses_to_start_again_and_bad_sizes_are_named(web_dir: Path) -> None:
    with pytest.raises(UsageError, match="processes=0"):
        SimWebPool(web_dir, processes=0)
    pool: Any = SimWebPool(web_dir, processes=1, faults=False)
    with pool:
        with pytest.raises(UsageError, match="already started"):
            pool.start()
    assert pool.pids == []
