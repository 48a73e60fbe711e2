"""Serve a generated web from several processes: the hosts split between them, one port for all.

``SimWeb`` answers every host from one asyncio thread of the calling process. That is enough for tests
and the demo, but a benchmark that runs several crawl processes beside it measures the server: the
thread renders every page for every crawler and shares its GIL with the harness. ``SimWebPool`` binds
every live host address on one port in the parent (with ``SimWeb``'s own port search), hands each of K
``python -m simweb.pool`` child processes the listening sockets of its share of the hosts, and each
child serves them with an unchanged ``SimWeb``. Because every host has its own loopback address, a
client cannot tell the pool from a single ``SimWeb``: the same URLs, truth and municipalities CSV.

The hosts of one municipality (main, twin, sister, business, meeting-system hosts) stay in one process,
because the fault plan's bursts and WAF state are per site and the attempt counters per host.
The request log is written by every child when it stops; ``request_log``, ``robots_violations`` and
``trap_share`` are complete after ``stop()``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from base.errors import UsageError

from .config import SimConfig
from .generate import load_manifest
from .routes import Web
from .serve import LogRecord, SimWeb

REPO_ROOT = Path(__file__).resolve().parent.parent
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def partition(manifest: dict[str, Any], processes: int) -> list[list[str]]:
    """The live host keys in ``processes`` groups: a municipality's hosts together, groups dealt round-robin
    in manifest order (sites of every size are spread through it, so the shares come out even)."""
    if processes < 1:
        raise UsageError(f"processes={processes}: need at least 1 server process")
    units: dict[str, list[str]] = {}
    for key, host in manifest["hosts"].items():
        if not host["down"]:
            units.setdefault(host["site"] or key, []).append(key)
    groups: list[list[str]] = [[] for _ in range(min(processes, len(units)) or 1)]
    for i, keys in enumerate(units.values()):
        groups[i % len(groups)].extend(keys)
    return groups


def process_stats(pid: int) -> dict[str, float]:
    """CPU seconds (user + system, this process only) and peak RSS in MB of a live process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / _CLK_TCK  # utime, stime (stat fields 14 and 15)
    rss = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            rss = int(line.split()[1]) / 1024
    return {"cpu_s": round(cpu, 2), "peak_rss_mb": round(rss, 1)}


class SimWebPool:
    """Context manager like ``SimWeb``: ``with SimWebPool(d, processes=2) as web: web.site_url("0114")``."""

    def __init__(
        self,
        web_dir: Path,
        *,
        processes: int = 2,
        latency_ms: tuple[float, float] = (0, 0),
        faults: bool = True,
        speedup: float = 1.0,
        port: int = 0,
        config: SimConfig | None = None,
    ) -> None:
        if processes < 1:
            raise UsageError(f"processes={processes}: need at least 1 server process")
        self.web_dir = Path(web_dir)
        self.processes = processes
        # A SimWeb that is never started: it resolves the settings and answers truth, URLs and robots
        # questions for the port the children serve, with the same code as a single server.
        self._view = SimWeb(self.web_dir, latency_ms=latency_ms, faults=faults, speedup=speedup, port=port,
                            config=config)
        self.manifest = self._view.manifest
        self.cfg = self._view.cfg
        self.port = 0
        self.request_log: list[LogRecord] = []
        self.groups: list[list[str]] = []
        self._procs: list[subprocess.Popen[bytes]] = []
        self._tmp: Path | None = None

    # -------------------------------------------------------------- lifecycle
    def __enter__(self) -> SimWebPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        if self._procs:
            raise UsageError("SimWebPool already started")
        self.request_log = []
        self._tmp = Path(tempfile.mkdtemp(prefix="simweb-pool-"))
        socks = self._view._bind()  # every live host address on one free port, as SimWeb does it
        self.port = self._view.port
        by_addr = {s.getsockname()[0]: s for s in socks}
        self.groups = partition(self.manifest, self.processes)
        config_path = self._tmp / "config.json"
        config_path.write_text(json.dumps(self.cfg.to_json()), encoding="utf-8")
        path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONPATH": path}
        try:
            for i, keys in enumerate(self.groups):
                fds = [by_addr[self.manifest["hosts"][k]["addr"]].fileno() for k in keys]
                cmd = [sys.executable, "-m", "simweb.pool", "--web", str(self.web_dir), "--port", str(self.port),
                       "--config", str(config_path), "--fds", ",".join(map(str, fds)),
                       "--log", str(self._tmp / f"log-{i}.jsonl"), "--parent-pid", str(os.getpid())]
                with open(self._tmp / f"stderr-{i}.txt", "wb") as err:
                    self._procs.append(subprocess.Popen(cmd, pass_fds=fds, stdout=subprocess.PIPE, stderr=err,
                                                        env=env, cwd=str(REPO_ROOT)))
            for i, proc in enumerate(self._procs):
                assert proc.stdout is not None
                if not proc.stdout.readline().startswith(b"ready"):  # the child says so once it listens
                    proc.wait(30)
                    tail = (self._tmp / f"stderr-{i}.txt").read_text(errors="replace")[-800:]
                    raise UsageError(f"simweb pool process {i} exited with {proc.returncode}: {tail.strip()}")
        except BaseException:
            self.stop()
            raise
        finally:
            for s in socks:  # the children hold their own copies; the parent must not keep the port bound
                s.close()

    def stop(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self._procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        self._procs = []
        if self._tmp is not None:
            records = []
            for path in sorted(self._tmp.glob("log-*.jsonl")):
                records += [LogRecord(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()]
            self.request_log = sorted(records, key=lambda r: r.time)
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        if self._view._tmp is not None:  # the municipalities CSV written for callers
            shutil.rmtree(self._view._tmp, ignore_errors=True)
            self._view._tmp = None

    # -------------------------------------------------------------- what the harness reads
    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs]

    def stats(self) -> list[dict[str, Any]]:
        """Per server process (while running): pid, hosts served, CPU seconds so far, peak RSS."""
        return [{"pid": p.pid, "hosts": len(keys), **process_stats(p.pid)}
                for p, keys in zip(self._procs, self.groups, strict=True)]

    def cpu_seconds(self) -> float:
        return round(sum(s["cpu_s"] for s in self.stats()), 2)

    # -------------------------------------------------------------- the same helpers as SimWeb
    def site_url(self, code: str) -> str:
        return self._view.site_url(code)

    def host_origin(self, key: str) -> str:
        return self._view.host_origin(key)

    @property
    def truth(self) -> dict[str, Any]:
        return self._view.truth

    @property
    def municipalities_csv(self) -> Path:
        return self._view.municipalities_csv

    def robots_violations(self, user_agent: str = "kommunprogram") -> list[LogRecord]:
        """As ``SimWeb.robots_violations``, over the children's logs (complete after ``stop()``)."""
        if getattr(self._view, "web", None) is None:
            self._view.web = Web(self.web_dir, self.port, self.cfg)
        self._view.request_log = self.request_log
        return self._view.robots_violations(user_agent)

    def trap_share(self) -> float:
        self._view.request_log = self.request_log
        return self._view.trap_share()


class _InheritedSockets(SimWeb):
    """A SimWeb that serves listening sockets bound by the pool's parent instead of binding its own."""

    def __init__(self, web_dir: Path, socks: list[socket.socket], port: int, config: SimConfig) -> None:
        super().__init__(web_dir, latency_ms=config.latency_ms, faults=config.faults_enabled,
                         speedup=config.speedup, port=port, config=config)
        self._inherited = socks

    def _bind(self) -> list[socket.socket]:
        self.port = self.requested_port
        return self._inherited


def _child(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simweb.pool", description="one server process of a SimWebPool")
    parser.add_argument("--web", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--fds", required=True, help="comma-separated listening socket descriptors")
    parser.add_argument("--log", type=Path, required=True, help="request log written here (JSONL) on exit")
    parser.add_argument("--parent-pid", type=int, required=True)
    args = parser.parse_args(argv)
    config = SimConfig.from_json(json.loads(args.config.read_text(encoding="utf-8")))
    socks = [socket.socket(fileno=int(fd)) for fd in args.fds.split(",")]
    for s in socks:
        s.setblocking(False)
    load_manifest(args.web)  # a clear error before the sockets are handed over
    web = _InheritedSockets(args.web, socks, args.port, config)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    web.start()
    try:
        print("ready", flush=True)
        # no orphan: a child whose parent died (kill -9, crash) stops on its own within half a second
        while not done.wait(0.5) and os.getppid() == args.parent_pid:
            pass
    finally:
        web.stop()
        with open(args.log, "w", encoding="utf-8") as out:
            for rec in web.request_log:
                out.write(json.dumps(asdict(rec)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(_child())
