"""The run lock: two inventory runs against the same store never overlap.

A scheduled run (cron, systemd timer) and a manual one, or two cron entries that drift into each other,
would otherwise write the same run's results at the same time. The lock is held for the whole run and
released by the operating system (or the database server) when the process dies, so a crash never leaves
a stale lock behind.

| store                     | lock                                                            |
|---------------------------|-----------------------------------------------------------------|
| SQLite file ``X.sqlite``  | ``flock`` on ``X.sqlite.lock`` beside its real path (same machine) |
| PostgreSQL                | session advisory lock in that database (any machine)            |
| any other URL             | ``flock`` on ``<lock_dir>/kommunprogram-<digest>.lock``          |

A database that cannot be reached or opened raises ``StoreError`` (exit 4), never ``LockError``:
exit 7 means only that another run holds the lock.

The holder writes who it is (pid, host, start time) where the next contender can read it, so the
``LockError`` says *who* holds the lock, not just that someone does.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from base.errors import LockError, StoreError, UsageError
from base.redact import redact
from base.store import check_db_url, normalise_db_url

# Two 32-bit keys for pg_try_advisory_lock(int, int): the first names the application, the second the
# purpose, so the lock cannot collide with another program's single-bigint advisory locks.
PG_LOCK_KEYS = (0x6B707267, 1)  # "kprg", 1 = the run lock
DEFAULT_LOCK_DIR = Path("outputs")


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) the lock."""

    pid: int | None
    host: str | None
    started_at: str | None

    def describe(self) -> str:
        return (f"pid {self.pid if self.pid is not None else '?'} on host {self.host or '?'} "
                f"since {self.started_at or '?'}")

    @classmethod
    def me(cls) -> Holder:
        return cls(os.getpid(), socket.gethostname(), datetime.now(UTC).isoformat(timespec="seconds"))

    @classmethod
    def from_text(cls, text: str) -> Holder:
        try:
            data = json.loads(text)
        except ValueError:
            return cls(None, None, None)
        if not isinstance(data, dict):
            return cls(None, None, None)
        pid = data.get("pid")
        return cls(pid if isinstance(pid, int) else None, data.get("host"), data.get("started_at"))

    def to_text(self) -> str:
        return json.dumps({"pid": self.pid, "host": self.host, "started_at": self.started_at})


class RunLock:
    """An exclusive, non-blocking lock for one store. Use as a context manager or acquire/release."""

    def __init__(self, db_url: str, *, lock_dir: Path | None = None) -> None:
        self.db_url = normalise_db_url(db_url)
        check_db_url(self.db_url)  # a store that cannot be opened is a store error (exit 4), not a lock one
        self.lock_dir = lock_dir if lock_dir is not None else DEFAULT_LOCK_DIR
        self._file: IO[str] | None = None
        self._engine: sa.Engine | None = None
        self._conn: sa.Connection | None = None

    # -- which lock ---------------------------------------------------------------------------
    @property
    def backend(self) -> str:
        return "postgresql" if make_url(self.db_url).get_backend_name() == "postgresql" else "file"

    @property
    def path(self) -> Path:
        """The lock file (file backend only)."""
        url = make_url(self.db_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            # The real path: a symlink (or a second spelling) of the same file must meet the same lock.
            return Path(f"{os.path.realpath(url.database)}.lock")
        # No file to sit beside: one lock file per database URL (the digest keeps passwords out of names,
        # and without the password two spellings of one database's credentials share the lock).
        digest = hashlib.sha256(_safe(self.db_url).encode()).hexdigest()[:16]
        return self.lock_dir / f"kommunprogram-{digest}.lock"

    @property
    def held(self) -> bool:
        return self._file is not None or self._conn is not None

    # -- acquire / release --------------------------------------------------------------------
    def acquire(self) -> RunLock:
        if self.held:
            raise LockError("the run lock is already held by this process")
        holder = self._try_postgres() if self.backend == "postgresql" else self._try_file()
        if holder is not None:
            where = self.path if self.backend == "file" else _safe(self.db_url)
            raise LockError(f"another kommunprogram run holds the run lock for {where}: {holder.describe()}")
        return self

    def try_acquire(self) -> Holder | None:
        """Take the lock and return None, or leave it and return who holds it."""
        if self.held:
            raise LockError("the run lock is already held by this process")
        return self._try_postgres() if self.backend == "postgresql" else self._try_file()

    def release(self) -> None:
        if self._file is not None:
            # The file stays: unlinking it would let a contender lock an inode nobody else opens.
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("select pg_advisory_unlock(:a, :b)"),
                                   {"a": PG_LOCK_KEYS[0], "b": PG_LOCK_KEYS[1]})
            except SQLAlchemyError:
                pass  # the connection is gone, and the server dropped the session lock with it
            finally:
                self._conn.close()
                self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()

    # -- the file lock ------------------------------------------------------------------------
    def _try_file(self) -> Holder | None:
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # "a+" so opening never truncates what the current holder wrote.
            fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the lock's lifetime
        except OSError as exc:  # not "another run holds it" (exit 7): the store's folder refuses us
            raise StoreError(f"cannot open the run lock file {path}: {exc}") from None
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = Holder.from_text(fh.read())
            fh.close()
            return holder
        except OSError as exc:
            fh.close()
            raise StoreError(f"cannot lock {path}: {exc}") from None
        fh.seek(0)
        fh.truncate()
        fh.write(Holder.me().to_text() + "\n")
        fh.flush()
        self._file = fh
        return None

    # -- the PostgreSQL advisory lock ---------------------------------------------------------
    def _try_postgres(self) -> Holder | None:
        me = Holder.me()
        # application_name is how a contender learns who holds the lock (pg_stat_activity); 63 bytes max.
        app_name = f"kommunprogram pid={me.pid} host={me.host}"[:63]
        try:
            engine = sa.create_engine(self.db_url, poolclass=sa.pool.NullPool,
                                      connect_args={"application_name": app_name})
            conn = engine.connect()
        except SQLAlchemyError as exc:  # the database refused: a store error (exit 4), never "lock held" (7)
            raise StoreError(redact(f"cannot open database {_safe(self.db_url)} (for the run lock): "
                                    f"{_short(exc)}", self.db_url)) from None
        try:
            # Autocommit: a session-level lock must not sit inside a transaction left open for hours.
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            got = conn.execute(sa.text("select pg_try_advisory_lock(:a, :b)"),
                               {"a": PG_LOCK_KEYS[0], "b": PG_LOCK_KEYS[1]}).scalar()
            if not got:
                holder = _pg_holder(conn)
                conn.close()
                engine.dispose()
                return holder
        except SQLAlchemyError as exc:
            conn.close()
            engine.dispose()
            raise StoreError(redact(f"cannot take the run lock in {_safe(self.db_url)}: {_short(exc)}",
                                    self.db_url)) from None
        self._engine, self._conn = engine, conn
        return None


def run_lock(db_url: str, *, lock_dir: Path | None = None) -> RunLock:
    """The run lock for this store: ``with run_lock(settings.db_url): ...``. Raises ``LockError`` if held."""
    if not db_url:
        raise UsageError("the run lock needs a database URL or SQLite path")
    return RunLock(db_url, lock_dir=lock_dir)


def _pg_holder(conn: sa.Connection) -> Holder:
    row = conn.execute(sa.text(
        "select a.application_name, a.pid, host(a.client_addr), a.backend_start "
        "from pg_locks l join pg_stat_activity a on a.pid = l.pid "
        "where l.locktype = 'advisory' and l.granted and l.classid = :a and l.objid = :b "
        "and l.objsubid = 2 and l.database = (select oid from pg_database where datname = current_database())"
    ), {"a": PG_LOCK_KEYS[0], "b": PG_LOCK_KEYS[1]}).first()
    if row is None:
        return Holder(None, None, None)  # released between our try and this look-up
    app, backend_pid, client, started = row
    fields = dict(part.split("=", 1) for part in str(app or "").split() if "=" in part)
    pid = int(fields["pid"]) if fields.get("pid", "").isdigit() else None
    host = fields.get("host") or client or f"server backend {backend_pid}"
    started_at = started.astimezone(UTC).isoformat(timespec="seconds") if started is not None else None
    return Holder(pid, host, started_at)


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _short(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]


def holder_of(db_url: str, *, lock_dir: Path | None = None) -> Holder | None:
    """Who holds the lock right now (None when free), e.g. for a status command."""
    lock = RunLock(db_url, lock_dir=lock_dir)
    holder = lock.try_acquire()
    lock.release()
    return holder


__all__ = ["Holder", "RunLock", "run_lock", "holder_of", "PG_LOCK_KEYS"]
