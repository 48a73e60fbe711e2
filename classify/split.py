"""The frozen split of the labelled corpus: a training part and a held-out part, by municipality.

Every rule, feature, threshold and hyper-parameter of the classifier is written from the *training*
part (its grouped cross-validation and its errors). The *held-out* part is only ever scored: by
``make eval`` (the gate) and by ``make bench-real`` (a simulated web built from its documents). Its
errors are never read to change the model; the protocol is in ``docs/classifier.md``.

The split was drawn once (``make_split``, 2026-12-05) and is committed as ``classify/data/split.json``:
the held-out *groups* (municipalities; a document about no municipality is a group of its own, together
with the documents ``same_program_as`` ties to it). A group that is not in the file (a document added to
the corpus later) is assigned by a hash of its name, so the held-out part grows with the corpus and no
later choice can move a document between the parts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from base.errors import UsageError

SPLIT_FILE = Path(__file__).resolve().parent / "data" / "split.json"
HELDOUT_SHARE = 0.4


def group_of(rec: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> str:
    """The unit that must not be cut: the municipality, or the first document of a programme."""
    if rec.get("municipality"):
        return str(rec["municipality"])
    seen = set()
    while rec.get("same_program_as") in by_id and rec["id"] not in seen:
        seen.add(rec["id"])
        rec = by_id[rec["same_program_as"]]
    return str(rec.get("municipality") or f"id:{rec['id']}")


def groups_of(records: Sequence[dict[str, Any]]) -> list[str]:
    by_id = {r["id"]: r for r in records}
    return [group_of(r, by_id) for r in records]


def hashed_heldout(group: str) -> bool:
    """The rule for groups the frozen file does not know: 40 % of sha256 space is held out."""
    return hashlib.sha256(group.encode("utf-8")).digest()[0] < round(256 * HELDOUT_SHARE)


def groups_digest(groups: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(groups)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Split:
    train: list[dict[str, Any]]
    heldout: list[dict[str, Any]]
    new_groups: list[str]  # groups assigned by the hash rule (not in the frozen file)


def read_split(path: Path = SPLIT_FILE) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        groups = data["heldout_groups"]
        digest = data["heldout_groups_sha256"]
        train_groups = data["train_groups"]
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: the frozen corpus split is missing (restore it from git)") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path}: not a corpus split file ({exc})") from exc
    if groups_digest(groups) != digest:
        raise UsageError(f"{path}: held-out groups do not match their digest; the split is frozen "
                         "(restore the file from git)")
    return {"heldout": frozenset(groups), "train": frozenset(train_groups)}


def partition(records: Sequence[dict[str, Any]], path: Path = SPLIT_FILE) -> Split:
    """Cut ``records`` into the training and the held-out part by the frozen file (then the hash)."""
    frozen = read_split(path)
    train: list[dict[str, Any]] = []
    heldout: list[dict[str, Any]] = []
    new: set[str] = set()
    for rec, group in zip(records, groups_of(records), strict=True):
        if group in frozen["heldout"]:
            held = True
        elif group in frozen["train"]:
            held = False
        else:
            held = hashed_heldout(group)
            new.add(group)
        (heldout if held else train).append(rec)
    return Split(train=train, heldout=heldout, new_groups=sorted(new))


def make_split(records: Sequence[dict[str, Any]], *, seeds: range = range(2026, 2226)) -> dict[str, Any]:
    """Draw the split once: 2 of 5 stratified group folds, the seed whose held-out part is closest
    to 40 % of the documents, programmes, unambiguous programmes, each programme type and the
    frequent tags. Only labels are looked at, never a model's output."""
    from sklearn.model_selection import StratifiedGroupKFold

    groups = groups_of(records)
    strata = [int(bool(r["is_program"])) * 2 + int(bool(r.get("ambiguous"))) for r in records]
    criteria = {
        "documents": lambda r: True,
        "programmes": lambda r: bool(r["is_program"]),
        "unambiguous programmes": lambda r: bool(r["is_program"]) and not r.get("ambiguous"),
        "naringsliv": lambda r: r.get("program_type") == "naringsliv",
        "tillvaxt": lambda r: r.get("program_type") == "tillvaxt",
        "annat": lambda r: r.get("program_type") == "annat",
        "action_plan": lambda r: bool(r.get("action_plan")),
        "business_collaboration": lambda r: bool(r.get("business_collaboration")),
        "sustainability": lambda r: bool(r.get("sustainability")),
    }
    best: tuple[float, int, set[int]] | None = None
    for seed in seeds:
        folds = list(StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=seed).split(records, strata, groups))
        held = set(folds[0][1]) | set(folds[1][1])
        cost = 0.0
        for pick in criteria.values():
            total = sum(1 for r in records if pick(r))
            inside = sum(1 for i in held if pick(records[i]))
            cost += (inside / total - HELDOUT_SHARE) ** 2 if total else 0.0
        if best is None or cost < best[0]:
            best = (cost, seed, held)
    assert best is not None
    _, seed, held = best
    heldout_groups = sorted({groups[i] for i in held})
    train_groups = sorted(set(groups) - set(heldout_groups))
    counts = {name: {"heldout": sum(1 for i in held if pick(records[i])),
                     "train": sum(1 for i, r in enumerate(records) if i not in held and pick(r))}
              for name, pick in criteria.items()}
    return {
        "about": "Frozen split of ../shared/corpus/dev.jsonl by municipality (classify/split.py). "
                 "No rule, feature or threshold may be written from the held-out part.",
        "drawn": "2026-12-05",
        "method": f"StratifiedGroupKFold(5, shuffle, random_state={seed}), folds 0 and 1 held out; "
                  f"seed chosen among {seeds.start}-{seeds.stop - 1} for label balance only",
        "unknown_groups": f"sha256(group)[0] < {round(256 * HELDOUT_SHARE)} -> held out",
        "counts_when_drawn": counts,
        "heldout_groups": heldout_groups,
        "heldout_groups_sha256": groups_digest(heldout_groups),
        "train_groups": train_groups,
    }
