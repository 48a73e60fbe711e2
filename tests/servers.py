"""Real Redis and PostgreSQL servers for tests, on 127.0.0.1 in temporary directories.

Each server is started from the Debian binaries (``redis-server``; ``initdb`` + ``postgres`` from
/usr/lib/postgresql/<v>/bin or the PATH) and stopped afterwards. Readiness is read from the server's own
log line ("Ready to accept connections", "ready to accept connections"), never guessed with a sleep.
When a binary is missing or a server cannot start, the test is skipped with a message saying what to
install (``apt-get install redis-server postgresql``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import queue
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

START_TIMEOUT_S = 30.0


def free_port() -> int:
    """A port nothing listens on right now (the servers cannot bind port 0 and report it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Output:
    """Reads a server's output on a thread (a full pipe would block the server) and lets a caller wait
    for a line. A thread and a queue, not select(): a buffered text pipe hides lines from select()."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip())
        self.lines.put(None)

    def wait_for(self, needle: str, what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"{what} did not report readiness in {START_TIMEOUT_S:.0f} s: "
                                   f"{self.seen[-5:]}") from None
            if line is None:
                self.proc.wait(timeout=10)
                raise RuntimeError(f"{what} exited with {self.proc.returncode}: {' | '.join(self.seen[-5:])}")
            self.seen = [*self.seen[-20:], line]
            if needle in line:
                return

    def close(self) -> None:
        """After the server exited: let the pump see EOF, then close the pipe (no ResourceWarning)."""
        self.thread.join(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


# -- Redis ------------------------------------------------------------------------------------------
@dataclass
class RedisServer:
    """A redis-server with AOF persistence (``appendfsync always``) so a restart keeps every write."""

    directory: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[str] | None = None
    _out: _Output | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (apt-get install redis-server)")
        self.directory.mkdir(parents=True, exist_ok=True)
        cmd = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
               "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
               "--protected-mode", "yes", "--loglevel", "notice", "--logfile", ""]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._out = _Output(self.proc)
        try:
            self._out.wait_for("Ready to accept connections", "redis-server")
        except RuntimeError as exc:
            self.kill()
            pytest.skip(f"redis-server could not start: {exc}")
        return self

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): Redis flushes the AOF before it exits."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        if self._out is not None:
            self._out.close()
        self.proc, self._out = None, None

    def kill(self) -> None:
        """A crash (SIGKILL): only what was fsynced to the AOF survives."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        if self._out is not None:
            self._out.close()
        self.proc, self._out = None, None

    def restart(self, *, crash: bool = False) -> None:
        self.kill() if crash else self.stop()
        self.start()


@contextlib.contextmanager
def running_redis(directory: Path) -> Iterator[RedisServer]:
    server = RedisServer(directory).start()
    try:
        yield server
    finally:
        server.stop()


# -- PostgreSQL -------------------------------------------------------------------------------------
def _pg_bin(name: str) -> str | None:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else shutil.which(name)


def _server_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: run it as the ``postgres`` (or ``nobody``) user then."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    return None


@dataclass
class PostgresServer:
    directory: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[str] | None = None
    _out: _Output | None = None
    _databases: int = 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> PostgresServer:
        initdb, postgres = _pg_bin("initdb"), _pg_bin("postgres")
        if initdb is None or postgres is None:
            pytest.skip("PostgreSQL server binaries (initdb, postgres) are not installed "
                        "(apt-get install postgresql)")
        user = _server_user()
        if os.geteuid() == 0 and user is None:
            pytest.skip("running as root and no unprivileged user to run PostgreSQL as")
        data = self.directory / "data"
        self.directory.mkdir(parents=True, exist_ok=True)
        if user is not None:
            os.chown(self.directory, user.pw_uid, user.pw_gid)
        run_as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []} if user else {}
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        if not data.exists():
            done = subprocess.run([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                   "--locale=C.UTF-8", "--no-sync"], capture_output=True, text=True,
                                  cwd=self.directory, env=env, **run_as)  # type: ignore[call-overload]
            if done.returncode != 0:
                pytest.skip(f"initdb failed: {done.stderr.strip()[-300:]}")
        # fsync off: a test cluster is thrown away, and fsync dominates its start-up and DDL time.
        cmd = [postgres, "-D", str(data), "-p", str(self.port), "-h", "127.0.0.1", "-k", str(self.directory),
               "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
               "-c", "max_connections=200", "-c", "logging_collector=off"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     cwd=self.directory, env=env, **run_as)  # type: ignore[call-overload]
        self._out = _Output(self.proc)
        try:
            self._out.wait_for("ready to accept connections", "postgres")
        except RuntimeError as exc:
            self.stop()
            pytest.skip(f"PostgreSQL could not start: {exc}")
        return self

    def create_database(self, prefix: str = "test") -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        import psycopg

        self._databases += 1
        name = f"{prefix}_{os.getpid()}_{self._databases}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'create database "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # "fast" shutdown: disconnect clients, then exit
            self.proc.wait(timeout=60)
        if self._out is not None:
            self._out.close()
        self.proc, self._out = None, None


@contextlib.contextmanager
def running_postgres(directory: Path) -> Iterator[PostgresServer]:
    server = PostgresServer(directory).start()
    try:
        yield server
    finally:
        server.stop()


# -- fixtures (import them into a test module to use them) ------------------------------------------
@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    # Not under pytest's tmp_path: that tree is private to us (0700), and as root the server runs as
    # another user who must be able to reach its data directory.
    directory = Path(tempfile.mkdtemp(prefix="kommunprogram-pg-"))
    try:
        with running_postgres(directory) as server:
            yield server
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A fresh Redis per test: tests restart and kill it."""
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server
