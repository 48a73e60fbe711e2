"""Progress of a run for the person (or the cron mail) watching it.

On a terminal a rich progress bar shows municipalities crawled, how many had a programme candidate so far
and the time left; elsewhere (cron, CI, a pipe) one plain line per municipality goes to standard error;
``--quiet`` shows nothing. The crawl itself runs in a child process (crawler/run.py); the parent learns
which municipalities are done by reading the store's ledger while it waits (``crawler.run.crawl``'s
``on_wait``), so the crawl does no extra work for it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

# The crawl outcome that means "a programme candidate was found" (crawler/outcome.py).
FOUND = "found"


class Progress:
    """Silent progress (``--quiet``); the base of the two visible kinds."""

    def stage(self, name: str) -> None:
        """A stage starts: crawl, extract, classify or stats."""

    def start(self, total: int, done: int = 0, found: int = 0) -> None:
        """The crawl starts with ``done`` of ``total`` municipalities already finished (a resumed run)."""

    def municipality(self, code: str, name: str, status: str) -> None:
        """One municipality's crawl finished with ``status``."""

    def close(self) -> None:
        """The run ended (or failed): leave the terminal clean."""


class LineProgress(Progress):
    """One line per municipality and stage, for logs: no cursor tricks, flushed at once."""

    def __init__(self, stream: TextIO, clock: Any = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.total = self.done = self.found = self._done_at_start = 0
        self._started = 0.0

    def _print(self, text: str) -> None:
        print(f"kommunprogram: {text}", file=self.stream, flush=True)

    def stage(self, name: str) -> None:
        self._print(f"{name} ...")

    def start(self, total: int, done: int = 0, found: int = 0) -> None:
        self.total, self.done, self.found, self._done_at_start = total, done, found, done
        self._started = self.clock()
        resumed = f", {done} already done" if done else ""
        self._print(f"crawling {total} municipalities{resumed}")

    def municipality(self, code: str, name: str, status: str) -> None:
        self.done += 1
        self.found += status == FOUND
        self._print(f"{self.done}/{self.total} {code} {name}: {status.replace('_', ' ')}; "
                    f"{self.found} with a programme candidate so far{self._time_left()}")

    def _time_left(self) -> str:
        crawled = self.done - self._done_at_start
        if crawled < 1 or self.done >= self.total:
            return ""
        left = (self.clock() - self._started) / crawled * (self.total - self.done)
        return f"; about {_duration(left)} left"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


class BarProgress(Progress):
    """A rich progress bar on a terminal: municipalities done, found so far, time left."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[found]}"), TimeRemainingColumn(),
            console=Console(file=stream), transient=False)
        self._task: Any = None
        self._found = 0
        self._stage_task: Any = None

    def stage(self, name: str) -> None:
        if name == "crawl":
            return  # the crawl has its own bar (start)
        if self._stage_task is not None:
            self._bar.update(self._stage_task, total=1, completed=1)
        self._bar.start()
        self._stage_task = self._bar.add_task(f"{name:<24}", total=1, found="")

    def start(self, total: int, done: int = 0, found: int = 0) -> None:
        self._found = found
        self._bar.start()
        self._task = self._bar.add_task("crawl", total=total, completed=done, found=f"{found} found")

    def municipality(self, code: str, name: str, status: str) -> None:
        self._found += status == FOUND
        if self._task is not None:
            self._bar.update(self._task, advance=1, found=f"{self._found} found", description=f"crawl {name[:18]:<18}")

    def close(self) -> None:
        if self._stage_task is not None:
            self._bar.update(self._stage_task, total=1, completed=1)
        self._bar.stop()


def make_progress(*, quiet: bool, stream: TextIO | None = None) -> Progress:
    """The progress display for ``stream`` (default: standard error)."""
    stream = stream if stream is not None else sys.stderr
    if quiet:
        return Progress()
    if stream.isatty():
        return BarProgress(stream)
    return LineProgress(stream)


@contextmanager
def progress_display(*, quiet: bool, stream: TextIO | None = None) -> Iterator[Progress]:
    progress = make_progress(quiet=quiet, stream=stream)
    try:
        yield progress
    finally:
        progress.close()
