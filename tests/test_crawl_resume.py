"""kill -9 in the middle of a crawl, then rerun the same run: nothing lost, nothing duplicated, no re-crawl."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from crawlserver import Handler, SiteServer
from test_spider import p1

from base.municipalities import Municipality
from base.settings import CrawlSettings
from base.store import Store
from crawler.run import crawl, start_crawl_process

SITES = 8


def slow(routes: dict[str, Any], seconds: float) -> dict[str, Any]:
    def wrap(route: Any) -> Any:
        def handler(h: Handler) -> Any:
            time.sleep(seconds)  # server-side latency, so the crawl is still running when it is killed
            return route(h) if callable(route) else route
        return handler
    return {path: wrap(route) for path, route in routes.items()}


def fetch_rows(store: Store, run_id: int) -> list[tuple[str, str]]:
    import sqlalchemy as sa

    from base.store import fetches

    with store.engine.connect() as conn:
        return [(r.code, r.url) for r in conn.execute(sa.select(fetches.c.code, fetches.c.url)
                                                      .where(fetches.c.run_id == run_id))]


def test_kill_and_resume_without_loss_or_duplicates(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/c.db"
    store = Store.open(db)
    config = CrawlSettings(allow_private_addresses=True, autothrottle=False, concurrent_municipalities=2,
                         stop_after_hit=6)
    with ExitStack() as stack:
        sites = [stack.enter_context(SiteServer(slow(p1(), 0.03), address=f"127.0.4.{i + 1}")) for i in range(SITES)]
        munis = [Municipality(f"{i + 1:04d}", f"K{i}", "01", "Testlän", s.url) for i, s in enumerate(sites)]
        store.upsert_municipalities(munis)
        run_id = store.start_run(2026, "resume", {})
        proc = start_crawl_process(munis, db_url=db, run_id=run_id, config=config, workdir=tmp_path)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = {c for c, o in store.crawl_outcomes(run_id).items() if o["state"] == "finished"}
            # Fetch rows wait for their municipality's outcome (crawler.recorder); candidates are written
            # as they are found, so a municipality with candidates and no outcome is one half crawled.
            partial = {c["code"] for c in store.candidates(run_id)} - done
            if (len(done) >= 2 and partial) or proc.poll() is not None:
                break
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        finished_before = {c for c, o in store.crawl_outcomes(run_id).items() if o["state"] == "finished"}
        assert 2 <= len(finished_before) < SITES
        assert {c["code"] for c in store.candidates(run_id)} - finished_before, "killed between two sites"
        assert {code for code, _url in fetch_rows(store, run_id)} <= finished_before  # none of a killed attempt
        candidates_before = store.candidates(run_id)
        log_sizes = {m.code: len(s.log) for m, s in zip(munis, sites, strict=True)}

        summary = crawl(munis, db_url=db, run_id=run_id, config=config)

        assert summary.skipped == len(finished_before)
        outcomes = store.crawl_outcomes(run_id)
        assert all(o["state"] == "finished" and o["status"] == "found" for o in outcomes.values()), outcomes
        for m, s in zip(munis, sites, strict=True):
            if m.code in finished_before:
                assert len(s.log) == log_sizes[m.code], f"{m.code} was crawled again"
        after = store.candidates(run_id)
        keys = Counter((c["code"], c["sha256"], c["url"]) for c in after)
        assert max(keys.values()) == 1  # no duplicates
        kept = {c["id"] for c in candidates_before if c["code"] in finished_before}
        assert kept <= {c["id"] for c in after}  # nothing finished is lost
        # The killed attempt's rows are gone: each municipality's fetches are exactly one crawl's requests.
        fetched = Counter(code for code, _url in fetch_rows(store, run_id))
        assert fetched == {code: o["requests"] for code, o in outcomes.items()}
        assert {c["code"] for c in after if c["url"].endswith(".pdf")} == {m.code for m in munis}


def test_the_crawl_child_dies_with_the_process_that_started_it(tmp_path: Path) -> None:
    """kill -9 of the run must not leave an orphan crawl writing beside the next run's crawl."""
    import json
    import subprocess
    import sys

    db = f"sqlite:///{tmp_path}/o.db"
    store = Store.open(db)
    config = CrawlSettings(allow_private_addresses=True, autothrottle=False, concurrent_municipalities=1)
    with SiteServer(slow(p1(), 4.0), address="127.0.4.20") as site:  # a crawl of ~25 s, if left alone
        muni = Municipality("0001", "K", "01", "Testlän", site.url)
        store.upsert_municipalities([muni])
        run_id = store.start_run(2026, "orphan", {})
        store.close()
        parent_code = (
            "import json, sys, time\n"
            "from pathlib import Path\n"
            "from base.settings import CrawlSettings\n"
            "from crawler.run import start_crawl_process\n"
            "from base.municipalities import Municipality\n"
            "job = json.loads(sys.argv[1])\n"
            "proc = start_crawl_process([Municipality(**job['muni'])], db_url=job['db'], run_id=job['run'],\n"
            "                           config=CrawlSettings.from_dict(job['config']), workdir=Path(job['dir']))\n"
            "print(proc.pid, flush=True)\n"
            "time.sleep(120)\n")
        job = {"muni": {"code": muni.code, "name": muni.name, "county_code": "01", "county": "Testlän",
                        "website": muni.website}, "db": db, "run": run_id, "dir": str(tmp_path),
               "config": config.to_dict()}
        parent = subprocess.Popen([sys.executable, "-c", parent_code, json.dumps(job)], stdout=subprocess.PIPE,
                                  cwd=Path(__file__).resolve().parent.parent)
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        deadline = time.monotonic() + 30
        while not site.log and time.monotonic() < deadline:
            time.sleep(0.02)  # the child is crawling once the site sees its first request
        assert site.log, "the crawl child never reached the site"
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        parent.stdout.close()
        deadline = time.monotonic() + 10
        while _alive(child_pid):
            assert time.monotonic() < deadline, "the crawl child outlived the process that started it"
            time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"
