"""The classifier's alternatives on the frozen held-out part (``make bench-classifier``; docs/classifier.md).

Each alternative is trained on the training part of the corpus only (``classify.split``) and scored once on
the held-out part, with and without the ambiguous documents. The design was chosen by grouped
cross-validation on the training part and on the web built from it (``bench_real.py --part train``); this
table reports what each choice does on documents no rule, feature or threshold was written from.

    .venv/bin/python bench/bench_classifier.py        # ~2 minutes -> outputs/bench/classifier.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import write_results  # noqa: E402
from classify.corpus import default_corpus_path, load_corpus  # noqa: E402
from classify.evaluate import flat_scores  # noqa: E402
from classify.model import ProgramModel  # noqa: E402
from classify.split import partition  # noqa: E402
from classify.train import heldout_report, train_payload  # noqa: E402

ALTERNATIVES: dict[str, tuple[str, dict[str, Any]]] = {
    "text_only": ("character n-grams, stems and location only: no hand-written specs, no rules, P >= OOF F1 "
                  "threshold", {"domain_specs": False, "rules": (), "min_threshold": 0.0}),
    "specs": ("+ the domain specs as features", {"rules": (), "min_threshold": 0.0}),
    "specs_rules": ("+ the hand rules over the model (draft marker, no business words, hub page)",
                    {"min_threshold": 0.0}),
    "business_per_document": ("as specs_rules, business_collaboration per document, not per sentence",
                              {"min_threshold": 0.0, "sentence_tags": ()}),
    "threshold_0.5": ("as specs_rules, is_program at P >= 0.5", {"min_threshold": 0.5}),
    "shipped": ("as specs_rules, is_program at P >= 0.4 (the shipped model)", {}),
}
SHOWN = ("all.is_program.f1", "unambiguous.is_program.f1", "all.program_type.accuracy",
         "all.action_plan.f1_on_programmes", "all.business_collaboration.f1_on_programmes",
         "all.sustainability.f1_on_programmes", "unambiguous.action_plan.f1_on_programmes",
         "unambiguous.business_collaboration.f1_on_programmes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "outputs" / "bench" / "classifier.json")
    args = parser.parse_args(argv)
    records = load_corpus(args.corpus or default_corpus_path())
    train = partition(records).train
    result: dict[str, Any] = {"training_documents": len(train), "alternatives": {}}
    reports: dict[str, Any] = {}
    for name, (what, options) in ALTERNATIVES.items():
        started = time.perf_counter()
        model = ProgramModel(train_payload(train, **options))
        report = reports[name] = heldout_report(model, records)
        scores = flat_scores(report)
        result["alternatives"][name] = {
            "what": what, "seconds": round(time.perf_counter() - started, 1),
            "is_program_threshold": model.tasks["is_program"].threshold,
            "scores": {k: scores[k] for k in SHOWN},
            "support": {"programmes": report["all"]["labels"]["is_program"]["support"],
                        "unambiguous_programmes": report["unambiguous"]["labels"]["is_program"]["support"]},
        }
        print(name, " ".join(f"{k}={scores[k]:.3f}" for k in SHOWN), flush=True)
    write_results(args.out, result, reports)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
