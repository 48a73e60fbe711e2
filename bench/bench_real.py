"""Benchmark: the whole pipeline on a simulated web of real held-out documents (``make bench-real``).

1. The frozen held-out part of the corpus (``classify.split.partition(...).heldout``) is written to a
   temporary JSONL outside the repository and ``simweb.realweb.generate_from_corpus`` builds a web from it.
2. ``simweb.serve.SimWeb`` serves it; ``kommunprogram run --municipalities <served csv>
   --allow-private-addresses --db <tmp> --out <tmp>`` runs as a subprocess, as a user would.
3. ``bench/keyword_baseline.py`` crawls the same served web with the same budget (a subprocess too).
4. Both inventories are scored by the same code (``bench/realscore.py``) against truth.json.

Writes ``outputs/bench/real.json`` (totals for both) and ``outputs/bench/real_detail.json`` (per
municipality), prints a short table. What each figure means: docs/benchmarks.md.

    .venv/bin/python bench/bench_real.py [--corpus ../shared/corpus/dev.jsonl] [--seed 1] [--budget 200]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import realscore  # noqa: E402
from bench._common import write_results  # noqa: E402
from classify.split import partition  # noqa: E402
from simweb.realtext import read_corpus  # noqa: E402
from simweb.realweb import generate_from_corpus  # noqa: E402
from simweb.serve import SimWeb  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "dev.jsonl"


def part_jsonl(corpus: Path, out: Path, part: str = "heldout") -> int:
    """One part of ``corpus`` as JSONL at ``out`` (outside the repository); returns its size.

    ``heldout`` is what the benchmark reports; ``train`` builds a web of training documents for choosing
    crawl budgets and stop rules without looking at the held-out part."""
    split = partition(read_corpus(corpus))
    records = split.heldout if part == "heldout" else split.train
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return len(records)


def run_pipeline(web: SimWeb, work: Path, year: int, budget: int, model: Path | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    out = work / "pipeline-out"
    env = {**os.environ, "KOMMUNPROGRAM_CRAWL_BUDGET": str(budget)}
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "kommunprogram"), "run", "--municipalities", str(web.municipalities_csv),
         "--allow-private-addresses", "--db", f"sqlite:///{work / 'store.sqlite'}", "--out", str(out),
         "--year", str(year), *(["--model", str(model)] if model else [])],
        check=True, env=env, cwd=work,
    )
    seconds = time.perf_counter() - started
    inventory = pd.read_csv(out / "inventory.csv", dtype={"code": str})
    summary = pd.read_csv(out / "summary.csv")
    return inventory, summary, seconds


def run_baseline(web: SimWeb, work: Path, year: int, budget: int) -> tuple[pd.DataFrame, float]:
    truth = web.truth
    sites = [
        {"code": code, "website": site["website"],
         "hosts": [site["hosts"][r] for r in ("main", "twin", "cms", "business") if r in site["hosts"]]}
        for code, site in sorted(truth["sites"].items())
    ]
    spec, rows = work / "baseline-sites.json", work / "baseline.jsonl"
    spec.write_text(json.dumps(sites), encoding="utf-8")
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "keyword_baseline.py"), "--sites", str(spec), "--year", str(year),
         "--budget", str(budget), "--out", str(rows)],
        check=True, cwd=work,
    )
    seconds = time.perf_counter() - started
    frame = pd.DataFrame([json.loads(line) for line in rows.read_text(encoding="utf-8").splitlines()])
    names = {c: s["name"] for c, s in truth["sites"].items()}
    frame = frame.assign(name=frame["code"].map(names), year=year, needs_review=False, extended=False)
    return frame, seconds


def score(inventory: pd.DataFrame, summary: pd.DataFrame, truth: dict[str, Any], ocr: bool
          ) -> tuple[dict[str, Any], pd.DataFrame]:
    scores = realscore.score_municipalities(inventory, truth, ocr=ocr)
    totals = realscore.summarise_scores(scores)
    totals["summary_deviation"] = realscore.summary_deviation(
        summary, realscore.truth_inventory(truth, ocr=ocr), int(truth["inventory_year"]))
    return totals, scores


def table(result: dict[str, Any]) -> str:
    p = result["pipeline"]
    b = result["keyword_baseline"] or _blank(p)
    rows = [
        ("programme found (recall)", p["recall"], b["recall"]),
        ("recall, unambiguous programmes", p.get("recall_unambiguous"), b.get("recall_unambiguous")),
        ("false programmes (of published)", p["false_programme_share_of_published"],
         b["false_programme_share_of_published"]),
        ("status accuracy", p["status_accuracy"], b["status_accuracy"]),
        ("status accuracy, no ambiguous programme", p.get("status_accuracy_unambiguous"),
         b.get("status_accuracy_unambiguous")),
        ("summary.csv mean |dev| pp", p["summary_deviation"]["mean_abs_deviation_pp"],
         b["summary_deviation"]["mean_abs_deviation_pp"]),
        ("summary.csv max |dev| pp", p["summary_deviation"]["max_abs_deviation_pp"],
         b["summary_deviation"]["max_abs_deviation_pp"]),
        ("program_type accuracy (found)", p["label_accuracy_on_found"]["program_type"],
         b["label_accuracy_on_found"]["program_type"]),
        ("needs_review share", p["needs_review_share"], b["needs_review_share"]),
        ("wrong rows caught by review", p["wrong_rows_caught_by_review"], b["wrong_rows_caught_by_review"]),
        ("requests median / municipality", p["requests"]["median"], b["requests"]["median"]),
        ("requests total", p["requests"]["total"], b["requests"]["total"]),
    ]
    lines = [f"{'measure':40} {'pipeline':>10} {'baseline':>10}"]
    lines += [f"{name:40} {str(a):>10} {str(c):>10}" for name, a, c in rows]
    return "\n".join(lines)


def crossfit(corpus: Path, work: Path, folds: int, *, seed: int, year: int, budget: int,
             threshold: float | None) -> dict[str, Any]:
    """The training part's web, cross-fitted: its municipalities in ``folds`` groups, each group's web crawled
    with a model trained on the other groups. The pipeline's figures on text its model has not seen,
    without the held-out part: what budgets, stop rules and thresholds are chosen on (docs/benchmarks.md).

    ``threshold`` overrides the is_program threshold of every fold's model (a development knob)."""
    from sklearn.model_selection import GroupKFold

    from classify.artefact import write_digest
    from classify.split import groups_of
    from classify.train import train_payload
    from simweb.config import SimConfig

    train = partition(read_corpus(corpus)).train
    groups = groups_of(train)
    inventories, truths = [], []
    for k, (fit, held) in enumerate(GroupKFold(n_splits=folds).split(train, groups=groups)):
        fold = work / f"fold{k}"
        fold.mkdir(parents=True)
        payload = train_payload([train[i] for i in fit])
        payload["version"] = f"crossfit-{k}"
        if threshold is not None:
            payload["tasks"]["is_program"]["threshold"] = threshold
        (fold / "model").mkdir()
        (fold / "model" / "model.json").write_text(json.dumps(payload), encoding="utf-8")
        write_digest(fold / "model" / "model.json")
        part = fold / "part.jsonl"
        part.write_text("".join(json.dumps(train[i], ensure_ascii=False) + "\n" for i in held), encoding="utf-8")
        web_dir = generate_from_corpus(fold / "web", part, seed=seed, config=SimConfig(inventory_year=year))
        with SimWeb(web_dir, latency_ms=(0, 0), faults=True, port=0) as web:
            inventory, _summary, _s = run_pipeline(web, fold, year, budget, model=fold / "model")
            truths.append(web.truth)
        inventories.append(inventory)
    truth = {**truths[0], "sites": {c: s for t in truths for c, s in t["sites"].items()}}
    inventory = pd.concat(inventories, ignore_index=True)
    return {"inventory": inventory, "summary": realscore.machine_summary(inventory, year), "truth": truth}


def _blank(figures: Any) -> Any:
    """The same nested keys with "-" values: the table's baseline column when the baseline was skipped."""
    return {k: _blank(v) for k, v in figures.items()} if isinstance(figures, dict) else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("KOMMUNPROGRAM_CORPUS", DEFAULT_CORPUS)))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--part", choices=("heldout", "train"), default="heldout",
                        help="documents the web is built from (train: for development, never reported)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the keyword baseline (development)")
    parser.add_argument("--crossfit", type=int, default=0, metavar="K",
                        help="with --part train: K groups, each crawled with a model trained on the others")
    parser.add_argument("--threshold", type=float, default=None,
                        help="with --crossfit: override the is_program threshold (development)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the web, store and outputs in this folder")
    parser.add_argument("--out", type=Path, default=None,
                        help="result JSON (default outputs/bench/real.json; real_train.json for --part train)")
    args = parser.parse_args(argv)
    args.out = args.out or ROOT / "outputs" / "bench" / ("real.json" if args.part == "heldout" else "real_train.json")
    ocr = shutil.which("tesseract") is not None
    with tempfile.TemporaryDirectory(prefix="bench-real-") as tmp:
        work = args.keep or Path(tmp)
        if args.keep:
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
        if args.crossfit:
            if args.part != "train":
                parser.error("--crossfit works on the training part only (--part train)")
            fitted = crossfit(args.corpus, work, args.crossfit, seed=args.seed, year=args.year, budget=args.budget,
                              threshold=args.threshold)
            pipe, pipe_rows = score(fitted["inventory"], fitted["summary"], fitted["truth"], ocr)
            result = {"part": "train", "crossfit": args.crossfit, "threshold": args.threshold,
                      "sites": len(fitted["truth"]["sites"]), "budget": args.budget, "ocr_available": ocr,
                      "pipeline": pipe, "keyword_baseline": {}}
            write_results(args.out, result, json.loads(json.dumps(
                {"pipeline": pipe_rows.astype(object).where(pipe_rows.notna(), None).to_dict("records")},
                default=str)))
            print(table(result))
            return 0
        n = part_jsonl(args.corpus, work / "part.jsonl", args.part)
        started = time.perf_counter()
        from simweb.config import SimConfig

        web_dir = generate_from_corpus(work / "web", work / "part.jsonl", seed=args.seed,
                                       config=SimConfig(inventory_year=args.year))
        gen_s = time.perf_counter() - started
        with SimWeb(web_dir, latency_ms=(0, 0), faults=True, port=0) as web:
            truth = web.truth
            inventory, summary, pipe_s = run_pipeline(web, work, args.year, args.budget)
            if not args.no_baseline:
                baseline, base_s = run_baseline(web, work, args.year, args.budget)
        pipe, pipe_rows = score(inventory, summary, truth, ocr)
        if not args.no_baseline:
            base, base_rows = score(baseline, realscore.machine_summary(baseline, args.year), truth, ocr)
        else:
            base, base_rows, base_s = {}, pd.DataFrame(), 0.0
    result = {
        "part": args.part,
        "corpus_documents": n,
        "sites": len(truth["sites"]),
        "seed": args.seed,
        "inventory_year": args.year,
        "budget": args.budget,
        "ocr_available": ocr,
        "seconds": {"generate": round(gen_s, 1), "pipeline": round(pipe_s, 1), "baseline": round(base_s, 1)},
        "pipeline": pipe,
        "keyword_baseline": base,
    }
    detail = {
        # NaN (an unknown cell) is no JSON: None instead
        "pipeline": pipe_rows.astype(object).where(pipe_rows.notna(), None).to_dict("records"),
        "keyword_baseline": base_rows.astype(object).where(base_rows.notna(), None).to_dict("records"),
    }
    write_results(args.out, result, json.loads(json.dumps(detail, default=str)))
    print(table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
