from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from base.errors import LockError, StoreError
from base.lock import RunLock, holder_of, run_lock
from tests.servers import PostgresServer, postgres_server  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def lock_held_by_child(db_url: str) -> Iterator[subprocess.Popen[str]]:
    """Another process takes the lock, says so on stdout, and holds it until killed."""
    code = ("import sys\nfrom base.lock import run_lock\n"
            f"lock = run_lock({db_url!r}).acquire()\nprint('locked', flush=True)\nsys.stdin.read()\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()


def test_second_lock_on_the_same_sqlite_store_is_refused_and_names_the_holder(tmp_path: Path) -> None:
    db = str(tmp_path / "k.sqlite")
    with run_lock(db) as first:
        assert first.path == tmp_path / "k.sqlite.lock"
        with pytest.raises(LockError) as err:
            run_lock(f"sqlite:///{db}").acquire()  # the same store named by URL
        message = str(err.value)
        assert f"pid {os.getpid()}" in message and socket.gethostname() in message and "since 20" in message
    with run_lock(db):  # released on exit
        pass


def test_locks_on_different_stores_are_independent(tmp_path: Path) -> None:
    with run_lock(str(tmp_path / "a.sqlite")), run_lock(str(tmp_path / "b.sqlite")):
        assert holder_of(str(tmp_path / "a.sqlite")) is not None
    assert holder_of(str(tmp_path / "a.sqlite")) is None


def test_a_crashed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    db = str(tmp_path / "k.sqlite")
    with lock_held_by_child(db) as child:
        holder = holder_of(db)
        assert holder is not None and holder.pid == child.pid and holder.host == socket.gethostname()
        with pytest.raises(LockError, match=f"pid {child.pid} on host"):
            run_lock(db).acquire()
        child.send_signal(signal.SIGKILL)
        child.wait()
    with run_lock(db) as lock:  # the kernel dropped the dead process's flock
        assert lock.held
        assert Path(f"{db}.lock").read_text().count(f'"pid": {os.getpid()}') == 1


def test_url_without_a_file_locks_under_lock_dir_without_the_password(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("base.lock.check_db_url", lambda url: None)  # no MySQL driver is installed here
    lock = RunLock("mysql://user:secret@db.example/k", lock_dir=tmp_path)
    assert lock.backend == "file" and lock.path.parent == tmp_path and "secret" not in str(lock.path)
    with lock, pytest.raises(LockError, match="kommunprogram-"):
        RunLock("mysql://user:secret@db.example/k", lock_dir=tmp_path).acquire()


def test_acquiring_twice_through_one_object_is_an_error(tmp_path: Path) -> None:
    lock = run_lock(str(tmp_path / "k.sqlite")).acquire()
    try:
        with pytest.raises(LockError, match="already held"):
            lock.acquire()
    finally:
        lock.release()
    assert not lock.held


def test_postgres_advisory_lock_across_processes(postgres_server: PostgresServer) -> None:  # noqa: F811
    url = postgres_server.create_database("lock")
    other = postgres_server.create_database("lock")
    with lock_held_by_child(url) as child:
        with pytest.raises(LockError) as err:
            run_lock(url).acquire()
        assert f"pid {child.pid} on host {socket.gethostname()} since 20" in str(err.value)
        assert "postgres@127.0.0.1" in str(err.value)
        with run_lock(other):  # advisory locks are per database
            pass
        child.send_signal(signal.SIGKILL)
        child.wait()
    # The server ends a dead client's session, and its session lock with it.
    with run_lock(url) as lock:
        assert lock.backend == "postgresql" and lock.held
        holder = holder_of(url)
        assert holder is not None and holder.pid == os.getpid()
    assert holder_of(url) is None


def test_unreachable_postgres_is_a_store_error_without_the_password() -> None:
    """Issue 14/16: a database that refuses is the database's exit code (4), never "lock held" (7)."""
    from tests.servers import free_port

    url = f"postgresql+psycopg://kp:hunter22@127.0.0.1:{free_port()}/x?connect_timeout=2"
    with pytest.raises(StoreError, match="cannot open database") as caught:
        run_lock(url).acquire()
    assert "hunter22" not in str(caught.value) and "kp:***@" in str(caught.value)


def test_a_symlink_to_the_same_sqlite_store_meets_the_same_lock(tmp_path: Path) -> None:
    """Issue 16 item 3: the lock is keyed on the real path, not on the path as typed."""
    real = tmp_path / "real" / "k.sqlite"
    real.parent.mkdir()
    real.touch()
    (tmp_path / "link.sqlite").symlink_to(real)
    (tmp_path / "linkdir").symlink_to(real.parent)
    with run_lock(str(real)), pytest.raises(LockError, match="holds the run lock"):
        run_lock(str(tmp_path / "link.sqlite")).acquire()
    with run_lock(f"sqlite:///{tmp_path}/linkdir/./k.sqlite"), pytest.raises(LockError):
        run_lock(str(real)).acquire()


def test_an_unknown_database_driver_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="driver"):
        run_lock("mysql://kp:hunter22@127.0.0.1/x")
