"""Our own modules as child processes: one place for the interpreter, the import path, the working
directory and the rule that a child dies with the process that started it.

Three kinds of child run this way: the crawl (``crawler.crawl_child``, started by ``crawler.run``: Scrapy's
reactor cannot be restarted), a distributed worker's crawl (``crawler.worker_child``) and the extraction workers
(``extract.worker``, killable and memory-limited). A child keeps the parent's working directory and gets
every path absolute, so a relative SQLite file or output folder means the same file in both (a worker's
child once ran in the repository root and wrote a second database there).
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def absolute(path: str | Path) -> str:
    """A path made absolute against this process's working directory (a child gets no relative paths)."""
    return str(Path(path).resolve())


def python_child(module: str, args: Sequence[str] = (), *, stdin: int | IO[Any] | None = None,
                 stdout: int | IO[Any] | None = subprocess.DEVNULL, stderr: int | IO[Any] | None = None,
                 env: Mapping[str, str] | None = None, new_session: bool = False) -> subprocess.Popen[bytes]:
    """``python -m module args`` with this interpreter and this repository on the import path."""
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    return subprocess.Popen([sys.executable, "-m", module, *args], stdin=stdin, stdout=stdout, stderr=stderr,
                            env={**os.environ, **(env or {}), "PYTHONPATH": path}, cwd=os.getcwd(),
                            start_new_session=new_session)


def die_with_parent(parent_pid: int) -> None:
    """Linux: SIGKILL this child when the process that started it dies.

    An orphaned crawl would go on writing into the run while the parent's run lock is gone: the next
    ``kommunprogram run`` (or a worker that took the municipalities over) would then crawl them a
    second time beside it. The signal fires when the *thread* that started the child exits, so
    children are started from main threads only.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the run lock and the queue's reaper are the guards then
        return
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def peak_rss_mb() -> float:
    """This process's own high-water RSS: VmHWM, because ru_maxrss survives exec and reports the parent's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
