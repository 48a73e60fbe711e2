"""classify.split: the frozen training / held-out split of the labelled corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from base.errors import UsageError
from classify.split import SPLIT_FILE, groups_digest, hashed_heldout, partition, read_split

# The held-out groups drawn on 2026-12-05. Changing the split changes this digest: a test failure is
# the point (the held-out part is frozen; see docs/classifier.md).
FROZEN_DIGEST = json.loads(SPLIT_FILE.read_text(encoding="utf-8"))["heldout_groups_sha256"]
PINNED = "4d63a2f3227194e97ba5c29b8b8f2336b3a2ab92ea7871b151d6bb1812ad6875"


def test_the_split_file_is_the_one_drawn_once() -> None:
    assert FROZEN_DIGEST == PINNED
    assert groups_digest(sorted(read_split()["heldout"])) == PINNED


def test_a_tampered_split_file_is_refused(tmp_path: Path) -> None:
    data = json.loads(SPLIT_FILE.read_text(encoding="utf-8"))
    data["heldout_groups"] = data["heldout_groups"][1:]
    bad = tmp_path / "split.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(UsageError, match="frozen"):
        read_split(bad)
    with pytest.raises(UsageError, match="missing"):
        read_split(tmp_path / "none.json")


def rec(id: str, municipality: str | None, same: str | None = None) -> dict:
    return {"id": id, "municipality": municipality, "same_program_as": same, "is_program": False}


def test_groups_stay_whole_and_unknown_groups_follow_the_hash(tmp_path: Path) -> None:
    frozen = read_split()
    held = sorted(frozen["heldout"])[0]
    trained = sorted(frozen["train"])[0]
    new = [g for g in ("Nyby", "Gammelby", "Mellanby", "Västerby", "Österby") if hashed_heldout(g)][0]
    records = [rec("a", held), rec("b", held), rec("c", trained), rec("d", new),
               rec("e", None, same="c"), rec("f", None)]
    split = partition(records)
    assert {r["id"] for r in split.heldout} >= {"a", "b", "d"}
    assert {"c", "e"} <= {r["id"] for r in split.train}   # e follows the programme it belongs to
    assert new in split.new_groups


def test_the_corpus_parts_are_disjoint_by_municipality(corpus: Path) -> None:
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    split = partition(records)
    assert len(split.train) + len(split.heldout) == len(records)
    train_m = {r["municipality"] for r in split.train if r["municipality"]}
    held_m = {r["municipality"] for r in split.heldout if r["municipality"]}
    assert not train_m & held_m
    assert sum(r["is_program"] for r in split.heldout) >= 15
