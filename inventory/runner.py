"""Whole runs: `kommunprogram run` (all stages, resumable), `demo` (the simulated web) and label export."""

from __future__ import annotations

import json
import logging
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from base.errors import UsageError
from base.municipalities import bundled_path, read_municipalities
from base.settings import Settings, read_settings
from base.store import Store
from base.vocabulary import CRAWL_FAILURES
from extract.pdf import ocr_available
from extract.reader import EXTRACTOR_VERSION
from inventory.monitor import flags_for_run, summary_fragment
from inventory.pipeline import StageReport, classify_stage, crawl_stage, extract_stage, frames_from_results, stats_stage
from inventory.progress import Progress
from inventory.runs import open_run
from publish.overrides import read_overrides
from publish.training_labels import export_labels, write_labels

log = logging.getLogger(__name__)



@dataclass
class RunReport:
    run_id: int
    year: int
    out_dir: Path
    stages: list[StageReport] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    exit_code: int = 0
    extra: str = ""
    flags: list[Any] = field(default_factory=list)  # inventory.monitor.Flag: what needs a human

    def summary_line(self) -> str:
        total = sum(self.statuses.values())
        parts = ", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items(), key=lambda kv: -kv[1]))
        return (f"kommunprogram run {self.run_id} ({self.year}): {total} municipalities: {parts}; "
                f"outputs in {self.out_dir}/{self.extra}{summary_fragment(self.flags)}")

    def to_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "year": self.year, "out_dir": str(self.out_dir),
                "statuses": self.statuses, "exit_code": self.exit_code,
                "stages": [{"name": s.name, "seconds": round(s.seconds, 3), "counts": s.counts}
                           for s in self.stages],
                "flags": [f.to_json() for f in self.flags], "summary": self.summary_line()}


def run_inventory(settings: Settings, *, resume: bool = True, progress: Progress | None = None,
                  items: list[Any] | None = None) -> RunReport:
    """Every stage under the store's run lock, so two scheduled runs never overlap. ``items`` is the
    municipality list when the caller has read it already (default: read ``settings.run.municipalities_csv``)."""
    if items is None:
        items = read_municipalities(settings.run.municipalities_csv or bundled_path())
    with open_run(settings, items, resume=resume) as (store, run_id):
        return _run_stages(settings, store, run_id, items, progress or Progress())


def _run_stages(settings: Settings, store: Store, run_id: int, items: list[Any], progress: Progress) -> RunReport:
    run = settings.run
    out_dir = run.output_dir
    report = RunReport(run_id, run.year, out_dir)
    # A crash anywhere below leaves the run "running", so the next `run` with the same input resumes it.
    report.stages.append(crawl_stage(store, run_id, items, db_url=run.db_url, config=settings.crawl,
                                     progress=progress))
    progress.stage("extract")
    report.stages.append(extract_stage(store, run_id, settings.extract))
    progress.stage("classify")
    report.stages.append(classify_stage(store, run_id, run.year, model_path=run.model))
    progress.stage("stats")
    report.stages.append(stats_stage(store, run.year, out_dir, run_id=run_id, overrides_path=run.overrides))
    progress.close()
    store.finish_run(run_id)
    report.flags = flags_for_run(store, run_id, expected_codes=[m.code for m in items], settings=settings.monitor)
    for row in store.results(run_id):
        report.statuses[row["status"]] = report.statuses.get(row["status"], 0) + 1
        if row["status"] in CRAWL_FAILURES:
            print(f"{row['code']} {row['name']}: {row['status'].replace('_', ' ')} "
                  f"({row.get('reason') or 'no reason recorded'})", file=sys.stderr)
    unreached = sum(report.statuses.get(s, 0) for s in CRAWL_FAILURES)
    if unreached == sum(report.statuses.values()):
        report.extra = " -- no site could be reached (is the machine offline?)"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "run-report.json").write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False),
                                             encoding="utf-8")
    return report


def run_demo(out: Path, *, sites: int, seed: int, progress: Progress | None = None) -> RunReport:
    """Generate a seeded simulated web, serve it on loopback, inventory it, compare with its truth."""
    import simweb

    simweb.require_extra()
    from simweb.config import SimConfig
    from simweb.generate import generate
    from simweb.serve import SimWeb

    if out.exists():
        shutil.rmtree(out)  # a demo is always a fresh run: same seed, same result
    out.mkdir(parents=True)
    # No Crawl-delay lines in the demo's robots.txt files: the crawler honours "Crawl-delay: 8", which
    # would stretch a one-minute demo to ten. The benchmark web keeps them.
    web_dir = generate(out / "web", sites=sites, seed=seed, config=SimConfig(robots_crawl_delay=0.0))
    started = time.monotonic()
    with SimWeb(web_dir) as web:
        year = int(web.truth.get("inventory_year", time.localtime().tm_year))
        settings = read_settings(run={"year": year, "db_url": str(out / "kommunprogram.sqlite"), "out_dir": out,
                                      "municipalities_csv": web.municipalities_csv, "allow_private_addresses": True})
        report = run_inventory(settings, resume=False, progress=progress)
        truth = web.truth
    report.extra += f" ({time.monotonic() - started:.0f} s)" + _truth_check(out / "inventory.csv", truth)
    return report


def _truth_check(inventory_csv: Path, truth: dict[str, Any]) -> str:
    """How many municipalities got the status the simulated web's truth expects."""
    import pandas as pd

    sites = truth.get("sites", truth)
    if not inventory_csv.is_file() or not isinstance(sites, dict):
        return ""

    inv = pd.read_csv(inventory_csv, dtype=str, keep_default_na=False)
    key = "expected_status" if ocr_available() else "expected_status_without_ocr"
    expected = {code: (site or {}).get(key) or site.get("expected_status") for code, site in sites.items()
                if isinstance(site, dict)}
    agree = sum(1 for code, status in zip(inv["code"], inv["status"], strict=True) if expected.get(code) == status)
    return f"; status agrees with the simulated web's truth for {agree} of {len(inv)}"


def export_reviewed_labels(db: str, year: int, run_id: int | None, overrides_path: Path, output: Path) -> int:
    store = Store.open(db)
    resolved = run_id if run_id is not None else store.latest_run(year, with_results=True)
    if resolved is None:
        raise UsageError(f"no classified run for {year} in {db}")
    inventory, _documents, _links = frames_from_results(store.results(resolved))
    texts = {}
    for sha in inventory["sha256"].dropna().unique():
        ext = store.extraction(str(sha), EXTRACTOR_VERSION)
        if ext is not None:
            texts[str(sha)] = ext["text"] or ""
    records = export_labels(inventory, texts, read_overrides(overrides_path, known_codes=inventory["code"]))
    write_labels(records, output)
    return len(records)
