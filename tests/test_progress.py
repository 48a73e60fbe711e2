"""Progress: one plain line per municipality off a terminal, a bar on one, nothing with --quiet; the
crawl's progress is read from the store's ledger while the child process crawls."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from base.municipalities import Municipality
from base.store import Store
from crawler.run import _wait
from inventory.pipeline import crawl_progress
from inventory.progress import BarProgress, LineProgress, Progress, make_progress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Recording(Progress):
    def __init__(self) -> None:
        self.events: list[tuple[object, ...]] = []

    def stage(self, name: str) -> None:
        self.events.append(("stage", name))

    def start(self, total: int, done: int = 0, found: int = 0) -> None:
        self.events.append(("start", total, done, found))

    def municipality(self, code: str, name: str, status: str) -> None:
        self.events.append((code, name, status))


def test_plain_lines_count_done_and_found_and_estimate_time_left() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = LineProgress(stream, clock=clock)
    progress.start(4, done=1, found=1)
    clock.now += 20
    progress.municipality("0114", "Upplands Väsby", "found")
    clock.now += 20
    progress.municipality("0115", "Vallentuna", "site_unreachable")
    progress.municipality("0117", "Österåker", "found")
    assert stream.getvalue().splitlines() == [
        "kommunprogram: crawling 4 municipalities, 1 already done",
        "kommunprogram: 2/4 0114 Upplands Väsby: found; 2 with a programme candidate so far; about 40 s left",
        "kommunprogram: 3/4 0115 Vallentuna: site unreachable; 2 with a programme candidate so far; "
        "about 20 s left",
        "kommunprogram: 4/4 0117 Österåker: found; 3 with a programme candidate so far",
    ]


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_kind_of_display_follows_the_stream() -> None:
    assert type(make_progress(quiet=False, stream=io.StringIO())) is LineProgress
    assert type(make_progress(quiet=False, stream=Tty())) is BarProgress
    assert type(make_progress(quiet=True, stream=Tty())) is Progress


def test_the_bar_shows_done_of_total_and_found() -> None:
    stream = Tty()
    bar = make_progress(quiet=False, stream=stream)
    bar.start(3)
    bar.municipality("0114", "Upplands Väsby", "found")
    bar.stage("extract")
    bar.close()
    text = stream.getvalue()
    assert "1/3" in text and "1 found" in text and "extract" in text


def test_crawl_progress_reports_each_finished_municipality_once(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "db.sqlite"))
    items = [Municipality(code, name, "01", "Stockholms län", f"https://{code}.example/")
             for code, name in (("0114", "Upplands Väsby"), ("0115", "Vallentuna"), ("0117", "Österåker"))]
    store.upsert_municipalities(items)
    run_id = store.start_run(2025, "digest", {})
    finish = dict(reason="", requests=3, requests_to_first_hit=None, found_via=None, bytes_downloaded=0,
                  robots_blocked=[], detail={})
    store.start_municipality(run_id, "0114")
    store.finish_municipality(run_id, "0114", status="found", **finish)  # done before a resume
    progress = Recording()
    poll = crawl_progress(store, run_id, items, progress)
    store.start_municipality(run_id, "0117")  # in progress: not reported yet
    poll()
    store.finish_municipality(run_id, "0117", status="not_found_within_budget", **finish)
    poll()
    poll()
    assert progress.events == [("stage", "crawl"), ("start", 3, 1, 1),
                               ("0117", "Österåker", "not_found_within_budget")]


def test_wait_calls_back_while_the_child_runs_and_kills_it_when_the_callback_fails() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    calls: list[int] = []

    def on_wait() -> None:
        calls.append(1)
        if len(calls) == 2:
            assert child.stdin is not None
            child.stdin.close()  # the child ends when its input does

    assert _wait(child, on_wait, 0.05) == 0
    assert len(calls) >= 3  # at least two waits and the one after the end

    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)

    def failing() -> None:
        raise RuntimeError("store gone")

    with pytest.raises(RuntimeError, match="store gone"):
        _wait(child, failing, 0.05)
    assert child.returncode is not None  # killed, not left running
    assert child.stdin is not None
    child.stdin.close()
