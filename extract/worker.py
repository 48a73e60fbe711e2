"""Extraction worker processes: a hang or a crash in a parser costs one worker, never the run.

Each worker is a long-lived ``python -m extract.worker`` process that reads jobs from stdin and
writes results to stdout (length-prefixed pickles between our own processes). The parent waits for a
result at most ``timeout_s``; past that it kills the worker's whole process group (the worker is a
session leader, so tesseract processes it started die with it) and starts a fresh one for the next job.

Why not ``multiprocessing``: its forkserver and spawn children re-run the parent's main module, and plain
fork is unsafe from a threaded parent (Scrapy, thread pools); a subprocess has neither problem, and a
long-lived one pays the parser imports once, not per document.
"""

from __future__ import annotations

import importlib
import os
import pickle
import queue
import resource
import selectors
import signal
import struct
import subprocess
import sys
import threading
import time
from typing import Any

from base.spawn import python_child

_HEADER = struct.Struct("!Q")
# Address-space cap of a worker, so a decompression bomb inside a PDF or an image to OCR fails as
# MemoryError (recorded as ``out_of_memory``) or a dead worker, instead of swapping the machine.
DEFAULT_MEMORY_MB = 2048
_MEMORY_ENV = "KOMMUNPROGRAM_EXTRACT_MEMORY_MB"


class WorkerTimeout(Exception):
    """The worker did not answer within the time limit and was killed."""


class WorkerCrashed(Exception):
    """The worker process died while handling a job (its exit status is the message)."""


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    remaining = n
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while remaining:
            timeout = None if deadline is None else deadline - time.monotonic()
            if timeout is not None and timeout <= 0:
                raise WorkerTimeout
            if not sel.select(timeout):
                raise WorkerTimeout
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            remaining -= len(chunk)
    return b"".join(chunks)


class Worker:
    """One worker process. Not thread-safe: a ``WorkerPool`` hands it to one thread at a time."""

    def __init__(self, memory_mb: int = DEFAULT_MEMORY_MB) -> None:
        # One core per tesseract: parallelism is across workers.
        env = {_MEMORY_ENV: str(memory_mb), "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
        self.process = python_child("extract.worker", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, env=env, new_session=True)

    def call(self, job: Any, timeout_s: float) -> Any:
        """Send one job and wait for its result. Raises WorkerTimeout or WorkerCrashed (worker then dead)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        deadline = time.monotonic() + timeout_s
        payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.process.stdin.write(_HEADER.pack(len(payload)) + payload)
            self.process.stdin.flush()
            fd = self.process.stdout.fileno()
            (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
            # Once the answer has started, give the rest of it time to arrive even past the deadline.
            return pickle.loads(_read_exact(fd, size, max(deadline, time.monotonic() + 30)))
        except WorkerTimeout:
            self.kill()
            raise
        except (EOFError, BrokenPipeError, OSError, pickle.UnpicklingError):
            self.kill()
            raise WorkerCrashed(f"exit status {self.process.returncode}") from None

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # the worker leads its own session/group
            except (ProcessLookupError, PermissionError):
                self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass

    def close(self) -> None:
        """Ask the worker to exit (EOF on stdin); kill it if it does not."""
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


class WorkerPool:
    """Up to ``size`` idle workers kept for reuse; safe to share between threads."""

    def __init__(self, size: int = 2, memory_mb: int = DEFAULT_MEMORY_MB) -> None:
        if size < 1:
            raise ValueError(f"WorkerPool size must be >= 1, got {size}")
        if memory_mb < 256:
            raise ValueError(f"WorkerPool memory_mb must be >= 256, got {memory_mb}")
        self.size = size
        self.memory_mb = memory_mb
        self._idle: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False

    def call(self, job: Any, timeout_s: float) -> Any:
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:
            worker = Worker(self.memory_mb)
        if not worker.alive():
            worker = Worker(self.memory_mb)
        try:
            result = worker.call(job, timeout_s)
        except (WorkerTimeout, WorkerCrashed):
            raise  # the worker is dead; it is not returned to the pool
        with self._lock:
            keep = not self._closed and self._idle.qsize() < self.size
        if keep:
            self._idle.put(worker)
        else:
            worker.close()
        return result

    def close(self) -> None:
        with self._lock:
            self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serve(stdin: Any, out: Any) -> None:
    """Run jobs until stdin closes: each is a picklable object with a ``run()`` method (``extract.reader``'s
    jobs), so this module needs nothing of the reader, which starts it."""
    while True:
        header = stdin.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return  # parent closed stdin: exit quietly
        (size,) = _HEADER.unpack(header)
        job = pickle.loads(stdin.read(size))
        payload = pickle.dumps(job.run(), protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_HEADER.pack(len(payload)) + payload)
        out.flush()


def main() -> None:
    memory_mb = int(os.environ.get(_MEMORY_ENV, DEFAULT_MEMORY_MB))
    limit = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))  # inherited by tesseract children too
    # The protocol owns the real stdout; anything a library prints goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    # Pay the parsers' imports before the first job, not inside its time limit.
    importlib.import_module("extract.reader")
    _serve(sys.stdin.buffer, out)


if __name__ == "__main__":
    main()
