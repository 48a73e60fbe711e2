"""The review queue on a simulated web: the share of rows flagged and the share of wrong rows the flags catch.

Reads a finished demo (``kommunprogram demo --out DIR --sites N``): its ``inventory.csv`` against the
simulated web's ``truth.json``. A row is wrong when its status differs from the expected one, or, for a
programme found, when its type or a tag differs from the programme's traits. Unreached rows (the web's
faults) are left out: nothing in them comes from the classifier.

    .venv/bin/kommunprogram demo --out /tmp/demo60 --sites 60 --quiet
    .venv/bin/python bench/bench_review_simweb.py /tmp/demo60
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

TAGS = ("rus_link", "intermunicipal_link", "action_plan", "sustainability", "business_collaboration",
        "annual_activities")
UNREACHED = ("site_unreachable", "blocked_by_server", "error")


def wrong(row: dict[str, str], site: dict[str, object]) -> bool:
    if row["status"] != site["expected_status"]:
        return True
    if row["status"] != "program_found":
        return False
    current = [p for p in site.get("programmes", []) if isinstance(p, dict) and p.get("status") == "current"]
    if not current:
        return False
    traits = current[0]["traits"]
    return traits.get("program_type") != row["program_type"] or any(
        str(traits[t]).lower() != row[t] for t in TAGS if t in traits)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("demo", type=Path, help="a demo's output folder (inventory.csv, web/truth.json)")
    args = parser.parse_args(argv)
    sites = json.loads((args.demo / "web" / "truth.json").read_text(encoding="utf-8"))["sites"]
    with (args.demo / "inventory.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["status"] not in UNREACHED]
    flagged = [r for r in rows if r["needs_review"] == "true"]
    bad = [r for r in rows if wrong(r, sites[r["code"]])]
    caught = [r for r in bad if r["needs_review"] == "true"]
    for r in bad:
        print(f"wrong {r['code']} {r['status']} (expected {sites[r['code']]['expected_status']}): "
              f"{'flagged: ' + r['review_reasons'] if r in caught else 'not flagged'}")
    print(f"{len(flagged)} of {len(rows)} reached rows flagged ({100 * len(flagged) / max(1, len(rows)):.0f} %); "
          f"the flags catch {len(caught)} of {len(bad)} wrong rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
