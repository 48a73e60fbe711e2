"""Tests for classify.model (and the export in classify.train): JSON artefact, predict, contract."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from base.errors import ModelError, UsageError
from base.vocabulary import TAGS
from classify.corpus import corpus_view
from classify.document import view
from classify.evidence import Evidence
from classify.model import MODEL_DIR, DocInput, ProgramModel, Task, guard_reason, load_model, predict_jsonl
from classify.train import (
    _export,
    build_is_program_pipeline,
    build_sentence_pipeline,
    build_tag_pipeline,
    build_type_pipeline,
    kind_class,
    train_payload,
)

TOWNS = ["Mora", "Borås", "Täby", "Gävle", "Umeå", "Hörby", "Trosa", "Orust", "Nacka", "Falun", "Kumla", "Sala"]


def synthetic_records(n: int = 48, seed: int = 1) -> list[dict]:
    """Small Swedish-looking corpus: programmes with random tags, drafts, regional and news pages."""
    rng = random.Random(seed)
    recs = []
    for i in range(n):
        town = TOWNS[i % len(TOWNS)]
        kind = i % 4
        rec = {"id": f"doc{i}", "municipality": town, "ambiguous": i % 7 == 0, "evidence": {}}
        rec.update({label: False for label in TAGS})
        if kind in (0, 1):
            title = rng.choice([("Näringslivsprogram", "naringsliv"), ("Tillväxtprogram", "tillvaxt"),
                                ("Policy för näringsliv", "annat")])
            tags = {label: rng.random() < 0.5 for label in TAGS}
            parts = [f"{title[0]} för {town} kommun 2020-2024", "Antagen av kommunfullmäktige 2020-03-01."]
            if tags["rus_link"]:
                parts.append("Programmet utgår från den regionala utvecklingsstrategin (RUS).")
            if tags["intermunicipal_link"]:
                parts.append("Vi samarbetar med grannkommunerna i Business Region Göteborg.")
            if tags["action_plan"] or tags["annual_activities"]:
                tags["action_plan"] = True
                parts.append("Till programmet hör en handlingsplan med åtgärder.")
            if tags["annual_activities"]:
                parts.append("Programmet bryts ned i årliga aktivitetsplaner.")
            if tags["sustainability"]:
                parts.append("Hållbarhet och Agenda 2030 är grunden för programmet.")
            if tags["business_collaboration"]:
                parts.append("Programmet har tagits fram i dialog med näringslivet och företagarna.")
                rec["evidence"]["business_collaboration"] = parts[-1]
            parts.append("Kommunen vill skapa ett gott företagsklimat.")
            rec.update(tags, is_program=True, program_type=title[1], text="\n".join(parts))
        else:
            text = rng.choice([
                f"Förslag till ny näringslivsstrategi för {town}\nVi vill ha dina synpunkter på remissen.",
                "Regional utvecklingsstrategi för länet\nRegion Dalarna leder arbetet i länet.",
                f"{town} klättrar i Svenskt Näringslivs ranking\nFöretagsklimatet förbättras.",
                f"Vallöfte från Moderaterna i {town}\nVi vill sänka skatten för företagen.",
            ])
            rec.update(is_program=False, program_type=None, text=text)
        rec["regional_category"] = "rus" if rec["rus_link"] else "intermunicipal" if rec["intermunicipal_link"] \
            else "none"
        recs.append(rec)
    return recs


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return synthetic_records()


@pytest.fixture(scope="module")
def payload(records: list[dict]) -> dict:
    payload = train_payload(records)
    payload["version"] = "test"
    return payload


@pytest.fixture(scope="module")
def model(payload: dict) -> ProgramModel:
    return ProgramModel(payload)


def test_exported_tasks_score_exactly_like_the_fitted_pipelines(records: list[dict]) -> None:
    views = [corpus_view(r) for r in records]
    kinds = [kind_class(r) for r in records]
    pipe = build_is_program_pipeline().fit(views, kinds)
    task = Task.from_json("is_program", _export(pipe, "multinomial"))
    ours = np.array([task.scores(v) for v in views]).squeeze()
    np.testing.assert_allclose(ours, pipe.decision_function(views), atol=1e-3)
    progs = [(r, v) for r, v in zip(records, views, strict=True) if r["is_program"]]
    tag = build_tag_pipeline("action_plan").fit([v for _, v in progs], [r["action_plan"] for r, _ in progs])
    tag_task = Task.from_json("action_plan", _export(tag, "binary"))
    np.testing.assert_allclose([tag_task.scores(v)[0] for _, v in progs],
                               tag.decision_function([v for _, v in progs]), atol=1e-3)
    sentences = ["Programmet har tagits fram i dialog med näringslivet.", "Kommunen vill växa.",
                 "Vi har träffat företagarna i workshops.", "Budgeten antas i juni."]
    sent = build_sentence_pipeline("business_collaboration").fit(sentences * 2, [True, False, True, False] * 2)
    sent_task = Task.from_json("business_collaboration", _export(sent, "sentence"))
    np.testing.assert_allclose([sent_task.scores(s)[0] for s in sentences], sent.decision_function(sentences),
                               atol=1e-3)


def test_type_and_tag_pipelines_export(records: list[dict]) -> None:
    progs = [r for r in records if r["is_program"]]
    views = [corpus_view(r) for r in progs]
    exported = _export(build_type_pipeline().fit(views, [r["program_type"] for r in progs]), "multinomial")
    assert sorted(exported["classes"]) == sorted({r["program_type"] for r in progs})
    assert {b["field"] for b in exported["blocks"]} == {"opening"}
    tag = _export(build_tag_pipeline("action_plan").fit(views, [r["action_plan"] for r in progs]), "binary")
    assert tag["classes"] == ["False", "True"]
    with pytest.raises(ValueError, match="unknown tag 'colour'"):
        build_tag_pipeline("colour")


def test_business_collaboration_is_learned_per_sentence_and_never_from_a_contradiction(
        model: ProgramModel) -> None:
    assert model.tasks["business_collaboration"].kind == "sentence"
    officials = ("Näringslivsprogram för Sala kommun 2021-2025\nAntagen av kommunfullmäktige 2021-01-01.\n"
                 "Programmet har tagits fram av kommunens tjänstemän.\nKommunen vill skapa ett gott företagsklimat.")
    (pred,) = model.predict([DocInput("o", officials)])
    assert pred.is_program
    assert not pred.business_collaboration
    assert "tjänstemän" not in pred.evidence.get("business_collaboration", Evidence("")).quote
    with_business = officials.replace("av kommunens tjänstemän", "i dialog med näringslivet och företagarna")
    (pred,) = model.predict([DocInput("b", with_business)])
    assert pred.business_collaboration
    assert "dialog" in pred.evidence["business_collaboration"].quote


def test_predict_programme_and_non_programme(model: ProgramModel) -> None:
    prog, other = model.predict([
        DocInput("p", "Näringslivsprogram för Sala kommun 2021-2025\nAntagen av kommunfullmäktige 2021-01-01.\n"
                      "Till programmet hör en handlingsplan med åtgärder."),
        DocInput("n", "Förslag till ny näringslivsstrategi för Sala\nVi vill ha dina synpunkter på remissen."),
    ])
    assert prog.is_program and prog.program_type == "naringsliv"
    assert prog.action_plan
    assert "handlingsplan" in prog.evidence["action_plan"].quote
    assert (prog.valid_from, prog.valid_to) == (2021, 2025)
    assert not other.is_program and other.program_type is None and not other.action_plan
    assert other.evidence == {}
    for p in (prog, other):
        assert all(0.0 <= v <= 1.0 for v in p.confidence.values())
        assert p.regional_category in ("rus", "intermunicipal", "none")


def test_guards_reject_texts_that_cannot_be_a_programme(model: ProgramModel) -> None:
    policy = "Policy för lokalförsörjning\nNorberg kommun\nDokumentet gäller policy för lokalförsörjning."
    hub = (
        "Näringslivsprogram\nLäs mer på sidan näringslivsprogram.\nGör din ansökan via e-tjänst eller kontakta "
        "handläggaren.\nHär hittar du samlad information om näringslivsprogram.\nSenast uppdaterad: 2026-05-07"
    )
    a, b = model.predict([DocInput("a", policy), DocInput("b", hub)])
    assert not a.is_program and not b.is_program
    assert a.confidence["is_program"] <= 0.1 and b.confidence["is_program"] <= 0.1
    assert guard_reason(policy) == "no_business_words" and guard_reason(hub) == "hub_page"
    assert guard_reason("Näringslivsprogram för Sala kommun 2021-2025\nAntagen av kommunfullmäktige.") is None


def test_prediction_json_contract(model: ProgramModel) -> None:
    (pred,) = model.predict([DocInput("x", "Tillväxtprogram för Mora kommun 2020-2024. Antaget av KF.")])
    out = pred.to_json()
    assert list(out)[:14] == ["id", "is_program", "program_type", "rus_link", "intermunicipal_link",
                              "regional_category", "action_plan", "sustainability", "business_collaboration",
                              "annual_activities", "valid_from", "valid_to", "confidence", "evidence"]
    assert all(isinstance(v, str) for v in out["evidence"].values())
    assert set(out["evidence_pages"]) == set(out["evidence"])
    json.dumps(out)


def _write(path: Path, text: str) -> None:
    """An artefact as train writes it: the file and its digest beside it (classify.artefact)."""
    from classify.artefact import write_digest

    path.write_text(text, encoding="utf-8")
    write_digest(path)


def test_load_model_round_trip_and_errors(tmp_path: Path, payload: dict, model: ProgramModel) -> None:
    path = tmp_path / "model.json"
    _write(path, json.dumps(payload))
    loaded = load_model(path)
    doc = [DocInput("a", "Näringslivsprogram för Mora kommun. Handlingsplan finns.")]
    assert loaded.predict(doc)[0].to_json() == model.predict(doc)[0].to_json()
    assert load_model(tmp_path).version == "test"  # a directory holding model.json

    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    _write(bad, "{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        load_model(bad)
    stale = dict(payload, signals_digest="0" * 16)
    _write(bad, json.dumps(stale))
    with pytest.raises(ModelError, match="retrain"):
        load_model(bad)
    _write(bad, json.dumps(dict(payload, format="pickle")))
    with pytest.raises(ModelError, match="unsupported model format"):
        load_model(bad)
    broken = json.loads(json.dumps(payload))
    broken["tasks"]["action_plan"]["coef"] = [[1.0, 2.0]]
    _write(bad, json.dumps(broken))
    with pytest.raises(ModelError, match=r"coef has shape \(1, 2\)"):
        load_model(bad)


def test_predict_jsonl(tmp_path: Path, model: ProgramModel) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "a", "text": "Näringslivsprogram för Mora kommun 2020-2024", "url": "ignored"}) + "\n\n"
        + json.dumps({"id": 7, "text": "Vallöfte från Moderaterna"}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    assert predict_jsonl(model, src, out) == 2
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "7"]
    assert set(rows[0]["confidence"]) >= {"is_program", *TAGS}

    src.write_text('{"id": "a", "text": "ok"}\n{"id": broken\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"in\.jsonl:2: not valid JSON"):
        predict_jsonl(model, src, out)
    src.write_text('{"id": "a"}\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"in\.jsonl:1: expected an object"):
        predict_jsonl(model, src, out)
    with pytest.raises(UsageError, match="cannot open"):
        predict_jsonl(model, tmp_path / "nope.jsonl", out)


def test_training_is_reproducible(records: list[dict], payload: dict) -> None:
    again = train_payload(records)
    again["version"] = "test"
    assert again == payload


def test_shipped_artefact_loads_and_recognises_a_programme() -> None:
    if not (MODEL_DIR / "model.json").exists():
        pytest.skip("no shipped model (run make train)")
    model = load_model()
    assert model.version
    (pred,) = model.predict([DocInput(
        "m", "Näringslivsstrategi för Mora kommun 2023-2026\nAntagen av kommunfullmäktige 2023-02-13.\n"
             "Strategin har tagits fram i dialog med näringslivet. Den följs av årliga handlingsplaner.")])
    assert pred.is_program and pred.program_type == "naringsliv"
    assert pred.action_plan and pred.business_collaboration
    (neg,) = model.predict([DocInput("r", "Regional utvecklingsstrategi för Dalarna\nRegion Dalarna leder "
                                          "arbetet med länets strategi.")])
    assert not neg.is_program
    size = (MODEL_DIR / "model.json").stat().st_size
    assert size < 2_000_000, size


def test_train_cli_writes_the_artefact(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from inventory.cli import main

    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in synthetic_records(40, seed=6)) + "\n", encoding="utf-8")
    out = tmp_path / "model"
    assert main(["train", "--corpus", str(corpus), "--out", str(out), "--no-cv"]) == 0
    model = load_model(out)
    digest = (out / "training_data.sha256").read_text().split()[0]
    assert model.version.split("+")[1].startswith(digest[:8])
    assert json.loads((out / "metrics.json").read_text())["training_data_sha256"] == digest
    assert "wrote" in capsys.readouterr().out
    assert main(["train", "--corpus", str(tmp_path / "missing.jsonl"), "--out", str(out), "--no-cv"]) == 2


def test_title_steers_the_programme_type(model: ProgramModel) -> None:
    body = view("Meny Sök Kontakt " * 30 + "\nAntagen av kommunfullmäktige. Programmet ska stärka företagen.")
    plain = model.probabilities(body)["program_type"]["tillvaxt"]
    titled = model.probabilities(body, title="Tillväxtprogram för Mora kommun 2020-2024")["program_type"]
    assert titled["tillvaxt"] > plain
    assert max(titled, key=lambda k: titled[k]) == "tillvaxt"
