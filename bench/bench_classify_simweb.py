"""Score the shipped classifier on the simulated web's documents (``outputs/bench/classify_simweb.json``).

Generates a simulated web (``simweb.generate.generate``), takes every document that has text (the
programmes and the decoys: neighbours' programmes, Finnish programmes, drafts, landsbygdsprogram,
protocols ...), and compares the model's predictions with ``truth.json``'s per-programme traits.
Side by side, in the same run: a keyword baseline (a business-programme word in the title area)
and the majority-class baseline. The texts are the documents' source text, before PDF rendering, so
this measures the classifier, not the extraction.

    .venv/bin/python bench/bench_classify_simweb.py --sites 40 --seed 7
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from base.vocabulary import TAGS  # noqa: E402
from classify.evaluate import confusion  # noqa: E402
from classify.model import DocInput, load_model  # noqa: E402
from classify.select import other_municipality  # noqa: E402
from classify.signals import signal_counts  # noqa: E402
from simweb.generate import generate  # noqa: E402


def collect(web: Path) -> list[dict[str, Any]]:
    """Documents with text and their gold labels from truth.json."""
    truth = json.loads((web / "truth.json").read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = []
    for code, site in truth["sites"].items():
        programmes = {p.get("filename"): p for p in site.get("programmes", []) if p.get("filename")}
        plans = {a.get("title") for a in site.get("action_plans", [])}
        model = json.loads((web / "sites" / code / "site.json").read_text(encoding="utf-8"))
        for doc in model["docs"]:
            if not doc.get("text"):
                continue
            prog = programmes.get(doc.get("filename")) if doc["role"] == "programme" else None
            # Separately published action plans: the corpus counts some as programmes (type annat) and
            # simweb keeps them apart, so they are reported but not scored.
            klass = doc.get("decoy_class") or ("action_plan" if doc.get("link_text") in plans or
                                               (doc["role"] == "programme" and prog is None) else None)
            # Drafts and consultation versions are negatives (corpus README), like any decoy.
            is_prog = bool(prog and prog.get("status") != "draft")
            traits = prog["traits"] if prog else {}
            rows.append({
                "id": f"{code}:{doc['id']}",
                "municipality": site.get("name"),
                "text": doc["text"],
                "decoy_class": klass,
                "status": prog.get("status") if prog else None,
                "is_program": is_prog,
                "program_type": traits.get("program_type") if is_prog else None,
                **{label: bool(is_prog and traits.get(label)) for label in TAGS},
                "valid_from": prog.get("valid_from") if is_prog else None,
                "valid_to": prog.get("valid_to") if is_prog else None,
            })
    return rows


def keyword_baseline(text: str) -> bool:
    c = signal_counts(text)
    return bool(c["title_naringsliv"] or c["title_tillvaxt"] or c["title_other_plan"])


def run(sites: int, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        web = generate(Path(tmp) / "web", sites=sites, seed=seed)
        gen_s = time.perf_counter() - t0
        rows = collect(web)
    model = load_model()
    t0 = time.perf_counter()
    preds = model.predict([DocInput(id=r["id"], text=r["text"]) for r in rows])
    predict_s = time.perf_counter() - t0

    # Neighbours' programmes are programmes, of another municipality: choose_program (classify.select)
    # rejects them by name, the classifier cannot. They and separate action plans are not scored here.
    unscored = {"neighbour_programme", "action_plan"}
    # The selection step's neighbour check (classify.select.other_municipality) on the same documents.
    neighbour_check = {
        "neighbour_programmes_detected": sum(
            1 for r in rows if r["decoy_class"] == "neighbour_programme"
            and other_municipality(r["text"], r["municipality"] or "")),
        "neighbour_programmes": sum(1 for r in rows if r["decoy_class"] == "neighbour_programme"),
        "own_programmes_flagged": sum(
            1 for r in rows if r["is_program"] and other_municipality(r["text"], r["municipality"] or "")),
        "own_programmes": sum(1 for r in rows if r["is_program"]),
    }
    all_rows, all_preds = rows, preds
    keep = [i for i, r in enumerate(rows) if r["decoy_class"] not in unscored]
    rows = [all_rows[i] for i in keep]
    preds = [all_preds[i] for i in keep]
    gold = [r["is_program"] for r in rows]
    report: dict[str, Any] = {
        "model_version": model.version,
        "sites": sites,
        "seed": seed,
        "documents": len(all_rows),
        "scored_documents": len(rows),
        "unscored_predicted_programme": {
            k: f"{sum(1 for r, p in zip(all_rows, all_preds, strict=True) if r['decoy_class'] == k and p.is_program)}"
               f"/{sum(1 for r in all_rows if r['decoy_class'] == k)}" for k in sorted(unscored)},
        "programmes": sum(gold),
        "seconds": {"generate": round(gen_s, 2), "predict": round(predict_s, 3),
                    "per_document_ms": round(1000 * predict_s / max(1, len(rows)), 2)},
        "model": {label: confusion([r[label] for r in rows], [getattr(p, label) for p in preds])
                  for label in ("is_program", *TAGS)},
        "baseline_keyword_title": {"is_program": confusion(gold, [keyword_baseline(r["text"]) for r in rows])},
        "baseline_majority": {"is_program": confusion(gold, [False] * len(rows))},
        "select_other_municipality": neighbour_check,
    }
    progs = [(r, p) for r, p in zip(rows, preds, strict=True) if r["is_program"]]
    report["model"]["tags_on_true_programmes"] = {
        label: confusion([r[label] for r, _ in progs], [getattr(p, label) for _, p in progs]) for label in TAGS
    }
    report["model"]["program_type_accuracy"] = round(
        sum(1 for r, p in progs if p.program_type == r["program_type"]) / max(1, len(progs)), 4)
    report["model"]["period_exact"] = round(
        sum(1 for r, p in progs if (p.valid_from, p.valid_to) == (r["valid_from"], r["valid_to"]))
        / max(1, len(progs)), 4)
    # Which decoy classes fool the model: the false positives by class.
    fooled: dict[str, int] = {}
    for r, p in zip(rows, preds, strict=True):
        if p.is_program and not r["is_program"]:
            key = r["decoy_class"] or f"programme:{r['status']}"
            fooled[key] = fooled.get(key, 0) + 1
    report["model"]["false_positives_by_class"] = dict(sorted(fooled.items()))
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "outputs" / "bench" / "classify_simweb.json")
    args = parser.parse_args()
    report = run(args.sites, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    m = report["model"]
    print(f"{report['documents']} documents, {report['programmes']} programmes; is_program F1 "
          f"{m['is_program']['f1']:.3f} (keyword baseline "
          f"{report['baseline_keyword_title']['is_program']['f1']:.3f}); type accuracy "
          f"{m['program_type_accuracy']:.3f} -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
