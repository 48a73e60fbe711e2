"""classify.artefact: a tampered, damaged or NaN model is refused at load, in one line (issue 16 item 5)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from base.errors import ModelError
from classify.artefact import digest_path, write_digest
from classify.model import MODEL_DIR, MODEL_FILE, load_model


def _tampered(tmp_path: Path, change: Callable[[dict[str, Any]], None], *, redigest: bool = True) -> Path:
    """A copy of the shipped model with ``change`` applied; its digest rewritten unless ``redigest`` is False
    (a tamperer who knows about the digest, so the structure checks must catch it)."""
    out = tmp_path / "model"
    out.mkdir()
    payload = json.loads((MODEL_DIR / MODEL_FILE).read_text(encoding="utf-8"))
    change(payload)
    (out / MODEL_FILE).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    if redigest:
        write_digest(out / MODEL_FILE)
    return out


def test_the_shipped_model_has_a_matching_digest() -> None:
    assert digest_path(MODEL_DIR / MODEL_FILE).name == "model.sha256"
    assert load_model().version


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(payload: dict[str, Any]) -> None:
        node = payload
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return change


def _rename_spec(payload: dict[str, Any]) -> None:
    specs = next(b for b in payload["tasks"]["rus_link"]["blocks"] if b["kind"] == "specs")
    specs["specs"][0] = "log:rus_renamed"


def _nan_coefficient(payload: dict[str, Any]) -> None:
    payload["tasks"]["is_program"]["coef"][0][3] = float("nan")


@pytest.mark.parametrize(("change", "message"), [
    (_set(["tasks", "program_type", "classes"], ["annat", "naringsliv", "okand"]), "task program_type: classes"),
    (_set(["tasks", "action_plan", "classes"], ["no", "yes"]), "task action_plan: classes"),
    (_rename_spec, "signal 'rus_renamed' is not computed"),
    (_nan_coefficient, "task is_program: coef holds NaN"),
    (_set(["tasks", "sustainability", "calibration"], [float("inf"), 0.0]), "calibration holds NaN or infinite"),
    (_set(["tasks", "sustainability", "blocks", 0, "idf"], "x"), "idf is not numeric"),
    (_set(["tasks", "sustainability", "blocks", 0, "idf"], [1.0]), "idf has shape"),
    (_set(["tasks", "is_program", "blocks", 0, "field"], "footer"), "field 'footer' is not one of"),
    (_set(["tasks", "is_program", "positive"], ["nothing"]), "positive .* is not a non-empty subset"),
    (_set(["tasks", "business_collaboration", "blocks", 1, "names"], ["no_such_signal"]), "names .* are not"),
    (_set(["tasks", "annual_activities", "threshold"], 7), "threshold 7 is not a probability"),
    (lambda payload: payload["tasks"].pop("rus_link"), "tasks missing: rus_link"),
])
def test_a_tampered_model_with_a_fresh_digest_is_refused(tmp_path: Path, change: Callable[[dict[str, Any]], None],
                                                          message: str) -> None:
    with pytest.raises(ModelError, match=message) as caught:
        load_model(_tampered(tmp_path, change))
    assert len(str(caught.value).splitlines()) == 1 and "make train" in str(caught.value)


def test_any_change_after_training_fails_the_digest(tmp_path: Path) -> None:
    out = _tampered(tmp_path, _set(["tasks", "is_program", "threshold"], 0.3), redigest=False)
    shutil.copy(MODEL_DIR / "model.sha256", out / "model.sha256")
    with pytest.raises(ModelError, match="changed after training"):
        load_model(out)
    (out / "model.sha256").unlink()
    with pytest.raises(ModelError, match="has no digest"):
        load_model(out)


def test_predict_with_a_tampered_model_is_exit_5_in_one_line(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from inventory.cli import main

    model = _tampered(tmp_path, _nan_coefficient)
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "Näringslivsprogram för Mora kommun 2024-2027"}) + "\n",
                   encoding="utf-8")
    assert main(["predict", "--input", str(src), "--output", str(out), "--model", str(model)]) == 5
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "NaN" in err and not out.exists()
