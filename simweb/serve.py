"""Serve a generated web: every host on its own loopback address, one port, one asyncio thread.

A minimal HTTP/1.1 server on ``asyncio.start_server`` (keep-alive, HEAD, ETag/Last-Modified 304s);
no framework, because the server must misbehave on purpose (drop connections, hang, send wrong
headers) and that is easiest with the bytes in hand. See docs/simweb.md for why hosts are
addresses rather than names or ports.
"""

from __future__ import annotations

import asyncio
import errno
import json
import re
import shutil
import socket
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from base.errors import UsageError

from .config import SimConfig
from .faults import FaultPlan, latency_ms
from .generate import load_manifest, municipalities_csv
from .responses import Response, etag_of, http_date
from .routes import Web

BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    403: "Forbidden",
    404: "Not Found",
    410: "Gone",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    400: "Bad Request",
    405: "Method Not Allowed",
}


@dataclass(frozen=True)
class LogRecord:
    time: float
    host: str  # host key: municipality code, "<code>-business", "region-14", ...
    addr: str
    method: str
    target: str
    status: int | None  # None: connection dropped or timed out without a response
    user_agent: str
    bytes: int
    trap: str | None
    fault: str | None


class SimWeb:
    """Context manager serving ``web_dir``: ``with SimWeb(d) as web: web.site_url("0114")``."""

    def __init__(
        self,
        web_dir: Path,
        *,
        latency_ms: tuple[float, float] = (0, 0),
        faults: bool = True,
        speedup: float = 1.0,
        port: int = 0,
        config: SimConfig | None = None,
    ) -> None:
        self.web_dir = Path(web_dir)
        self.manifest = load_manifest(self.web_dir)
        base = config or SimConfig.from_json(self.manifest["config"])
        self.cfg = base.replace(
            latency_ms=tuple(latency_ms), faults_enabled=faults and base.faults_enabled, speedup=speedup
        )
        self.requested_port = port
        self.port = 0
        self.request_log: list[LogRecord] = []
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._servers: list[asyncio.base_events.Server] = []
        self._conns: set[asyncio.Task[Any]] = set()
        self._attempts: Counter[tuple[str, str]] = Counter()
        self._tmp: Path | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._truth: tuple[int, dict[str, Any]] | None = None  # (port it was rewritten for, truth)

    # -------------------------------------------------------------- lifecycle
    def __enter__(self) -> SimWeb:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        if self._thread is not None:
            raise UsageError("SimWeb already started")
        # a stopped SimWeb may be started again: nothing of the previous loop may leak into this one
        self._servers, self._conns, self._loop, self._error = [], set(), None, None
        self._ready.clear()
        socks = self._bind()
        try:
            self.web = Web(self.web_dir, self.port, self.cfg)
        except BaseException:
            for s in socks:
                s.close()
            raise
        self.addr_to_key = {h["addr"]: k for k, h in self.manifest["hosts"].items()}
        self.plan = FaultPlan(self.manifest["seed"], self.cfg, time.monotonic())
        self._thread = threading.Thread(target=self._run, args=(socks,), name="simweb", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error

    def _bind(self) -> list[socket.socket]:
        """Bind every live host address on one port; with port 0, take the first free port that fits all."""
        addrs = [h["addr"] for h in self.manifest["hosts"].values() if not h["down"]]
        for _ in range(20):
            socks: list[socket.socket] = []
            port = self.requested_port
            try:
                for addr in addrs:
                    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    socks.append(s)
                    s.bind((addr, port))
                    s.listen(128)
                    s.setblocking(False)
                    port = s.getsockname()[1]
                self.port = port
                return socks
            except OSError as exc:
                for s in socks:
                    s.close()
                if exc.errno != errno.EADDRINUSE or self.requested_port:
                    raise UsageError(f"cannot listen on {addr}:{port}: {exc}") from exc
        raise UsageError("no port free on all simulated host addresses after 20 tries")

    def _run(self, socks: list[socket.socket]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            for s in socks:
                self._servers.append(loop.run_until_complete(asyncio.start_server(self._handle, sock=s)))
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            for s in socks:
                s.close()
        self._ready.set()
        if self._error is None:
            loop.run_forever()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        loop = self._loop

        async def shutdown() -> None:
            for srv in self._servers:
                srv.close()
            for task in list(self._conns):
                task.cancel()
            await asyncio.gather(*self._conns, return_exceptions=True)
            for srv in self._servers:
                await srv.wait_closed()
            loop.stop()

        if loop.is_running():
            asyncio.run_coroutine_threadsafe(shutdown(), loop)
        self._thread.join(30)
        self._thread = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    # -------------------------------------------------------------- public helpers
    def site_url(self, code: str) -> str:
        return f"http://{self.manifest['hosts'][code]['addr']}:{self.port}/"

    def host_origin(self, key: str) -> str:
        return f"http://{self.manifest['hosts'][key]['addr']}:{self.port}"

    @property
    def truth(self) -> dict[str, Any]:
        """truth.json with URLs on the served port; read and rewritten once per port, then shared
        (callers loop over it per request or per site: treat it as read-only)."""
        if self._truth is not None and self._truth[0] == self.port:
            return self._truth[1]
        text = (self.web_dir / "truth.json").read_text(encoding="utf-8")
        nominal = json.loads(text)["nominal_port"]
        text = re.sub(rf"(http://127\.\d+\.\d+\.\d+):{nominal}\b", rf"\g<1>:{self.port}", text)
        data: dict[str, Any] = json.loads(text)
        data["served_port"] = self.port
        if not self.cfg.faults_enabled:
            for site in data["sites"].values():
                site["expected_status"] = site["expected_status_without_faults"]
        self._truth = (self.port, data)
        return data

    @property
    def municipalities_csv(self) -> Path:
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="simweb-"))
        path = self._tmp / "municipalities.csv"
        path.write_bytes(municipalities_csv(self.manifest, self.port))
        return path

    def robots_violations(self, user_agent: str = "kommunprogram") -> list[LogRecord]:
        """Logged requests whose URL the host's robots.txt disallows for ``user_agent``."""
        from protego import Protego

        parsers: dict[str, Any] = {}
        out = []
        for rec in self.request_log:
            if rec.target == "/robots.txt" or rec.host not in self.web.sites:
                continue
            if rec.host not in parsers:
                robots = self.web.sites[rec.host].m["robots"]
                parsers[rec.host] = (
                    Protego.parse(robots.replace("{origin}", self.host_origin(rec.host))) if robots else None
                )
            rp = parsers[rec.host]
            if rp is not None and not rp.can_fetch(self.host_origin(rec.host) + rec.target, user_agent):
                out.append(rec)
        return out

    def trap_share(self) -> float:
        log = self.request_log
        return sum(1 for r in log if r.trap) / len(log) if log else 0.0

    # -------------------------------------------------------------- HTTP
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conns.add(task)
        addr = writer.get_extra_info("sockname")[0]
        key = self.addr_to_key.get(addr, "thirdparty")
        try:
            while True:
                try:
                    raw = await reader.readuntil(b"\r\n\r\n")  # request line and headers in one read
                except asyncio.IncompleteReadError as exc:
                    if exc.partial.strip():
                        writer.write(BAD_REQUEST)
                    break
                lines = raw.decode("latin-1").split("\r\n")
                parts = lines[0].split()
                if len(parts) != 3:
                    writer.write(BAD_REQUEST)
                    break
                method, target, version = parts
                headers: dict[str, str] = {}
                for h in lines[1:]:
                    name, _, value = h.partition(":")
                    if name:
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                if length:
                    await reader.readexactly(length)
                keep = await self._respond(key, addr, method, target, version, headers, writer)
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._conns.discard(task)
            if not writer.transport.is_closing():
                writer.close()

    async def _respond(
        self,
        key: str,
        addr: str,
        method: str,
        target: str,
        version: str,
        headers: dict[str, str],
        writer: asyncio.StreamWriter,
    ) -> bool:
        cfg = self.cfg
        ua = headers.get("user-agent", "")
        self._attempts[(key, target)] += 1
        attempt = self._attempts[(key, target)]
        host = self.manifest["hosts"][key]
        # the non-www twin is the same server as the main host: the same WAF and bursts
        site = self.web.sites[host["site"]].m if host["kind"] in ("main", "sister", "twin") else None
        now = time.monotonic()
        fault = self.plan.decide(key, site, target, attempt, ua, now)
        delay = latency_ms(cfg.latency_ms, key, target, attempt)
        if delay > 0:
            await asyncio.sleep(delay / 1000.0 / cfg.speedup)
        if fault is not None and fault.status is None:
            self._log(key, addr, method, target, None, ua, 0, None, fault.kind)
            if fault.kind == "timeout":
                await asyncio.sleep(cfg.timeout_hold_s / cfg.speedup)
            writer.transport.abort()
            return False
        if method not in ("GET", "HEAD"):
            resp = Response(405, b"", [("Allow", "GET, HEAD")], etag=False)
        elif fault is not None:
            resp = Response(fault.status or 500, b"", [("Content-Type", "text/plain")], etag=False)
            if fault.retry_after:
                resp.headers.append(("Retry-After", str(fault.retry_after)))
        else:
            try:
                resp = self.web.route(key, method, target, attempt)
            except Exception:  # a bug in a route must not kill the connection loop; 500 like a real CMS
                resp = Response(500, b"Internal error", [("Content-Type", "text/plain")], etag=False)
        status, body = resp.status, resp.body
        out_headers = list(resp.headers)
        if status == 200:
            if resp.etag:
                tag = resp.etag_value or etag_of(body)
                resp.etag_value = tag  # responses are cached by the router: hash each body once
                out_headers.append(("ETag", tag))
                if headers.get("if-none-match") == tag:
                    status, body = 304, b""
            if resp.last_modified is not None:
                out_headers.append(("Last-Modified", http_date(resp.last_modified)))
                ims = headers.get("if-modified-since")
                if status == 200 and ims and "if-none-match" not in headers:
                    try:
                        if resp.last_modified <= parsedate_to_datetime(ims).timestamp():
                            status, body = 304, b""
                    except (TypeError, ValueError):
                        pass
        close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
        head = [
            f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}",
            "Server: simweb",
            f"Content-Length: {len(body)}",
            *(f"{k}: {v}" for k, v in out_headers),
        ]
        if close:
            head.append("Connection: close")
        # logged before the bytes go out, so a client that has its response also sees it in the log
        self._log(key, addr, method, target, status, ua, len(body), resp.trap, fault.kind if fault else None)
        out = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1", "replace")
        # one write per response: a separate write for the body costs a second send() syscall
        writer.write(out + body if method != "HEAD" and status != 304 else out)
        await writer.drain()
        return not close

    def _log(
        self,
        key: str,
        addr: str,
        method: str,
        target: str,
        status: int | None,
        ua: str,
        n: int,
        trap: str | None,
        fault: str | None,
    ) -> None:
        self.request_log.append(LogRecord(time.time(), key, addr, method, target, status, ua, n, trap, fault))
