"""``simweb generate --corpus``: real texts placed as real sites place them, truth from the labels only.

The corpus here is a tiny synthetic JSONL written by the tests (never texts of the shared corpus).
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pytest

from base.errors import UsageError
from simweb.config import SimConfig
from simweb.linkwalk import target_of, walk
from simweb.realweb import MIN_SITES_FOR_FAULTS, generate_from_corpus, label_status, period_status
from simweb.routes import Web

YEAR = 2026
TAGS = dict(rus_link=False, intermunicipal_link=False, action_plan=False, sustainability=False,
            business_collaboration=False, annual_activities=False)


def rec(id_: str, muni: str | None, kind: str, text: str, *, prog: bool = False, **labels: Any) -> dict[str, Any]:
    return {"id": id_, "url": f"https://example.invalid/{id_}", "municipality": muni, "text": text,
            "chars": len(text), "is_program": prog, "program_type": labels.pop("program_type", None),
            **TAGS, "regional_category": "none", "valid_from": None, "valid_to": None, "adopted_by": None,
            "evidence": {}, "ambiguous": False, "note": "", "doc_kind": kind, "same_program_as": None, **labels}


def corpus_records() -> list[dict[str, Any]]:
    return [
        # Ale: a programme with a page, a sub-page, a PDF and an announcement; no period -> in force
        rec("ale-page", "Ale", "program_page", "Hoppa till innehåll\nNäringslivsprogram för Ale\n\nVi vill att "
            "företagen ska växa.\nProgrammet har fyra fokusområden.", prog=True, program_type="naringsliv",
            business_collaboration=True),
        rec("ale-sub", "Ale", "program_subpage", "Fokusområde kompetens\n\nKompetens är viktigt för företagen.",
            prog=True, program_type="naringsliv", same_program_as="ale-page", action_plan=True),
        rec("ale-doc", "Ale", "program_doc", "Näringslivsprogram Ale kommun\n\nInledning\nEtt bättre "
            "företagsklimat för alla.", prog=True, program_type="naringsliv", same_program_as="ale-page"),
        rec("ale-news", "Ale", "announcement", "Nytt näringslivsprogram antaget\n\nKommunfullmäktige antog "
            "programmet i går.", prog=True, program_type="naringsliv", same_program_as="ale-page"),
        rec("ale-draft", "Ale", "news_process", "Tyck till om förslaget\n\nFörslaget till ny strategi är ute på "
            "remiss."),
        rec("ale-party", "Ale", "party", "Vårt näringslivspolitiska program\n\nVi vill sänka avgifterna."),
        rec("ale-vision", "Ale", "vision_goals_budget", "Vision Ale 2035\n\nAle ska vara en bra kommun."),
        # Alingsås: only an ended programme -> expired_only; regional strategy and third-party news around it
        rec("alingsas-doc", "Alingsås", "program_doc", "Tillväxtstrategi 2010-2014\n\nAlingsås ska växa.",
            prog=True, program_type="tillvaxt", valid_from=2010, valid_to=2014, rus_link=True,
            regional_category="rus"),
        rec("alingsas-rus", "Alingsås", "rus_regional", "Regional utvecklingsstrategi för Västra Götaland\n\n"
            "Regionen växer."),
        rec("alingsas-press", "Alingsås", "news_thirdparty", "Kommunen klättrar i rankingen\n\nEnligt "
            "undersökningen har företagsklimatet blivit bättre."),
        # Alvesta: no programme at all; a business page
        rec("alvesta-biz", "Alvesta", "municipal_business_page", "Starta företag i Alvesta\n\nVi hjälper dig."),
        # about no municipality: dealt to one of the sites by the seed
        rec("agency-report", None, "agency", "Myndighetens rapport om tillväxt\n\nKommunerna arbetar olika."),
        rec("someones-programme", None, "program_doc_stub", "Näringslivsprogram för en annan kommun\n\nText.",
            prog=True, program_type="naringsliv"),
    ]


def write_corpus(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def web_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("realweb")
    corpus = write_corpus(base / "corpus.jsonl", corpus_records())
    return generate_from_corpus(base / "web", corpus, seed=3, config=SimConfig.for_tests(inventory_year=YEAR))


@pytest.fixture(scope="module")
def served(web_dir: Path) -> tuple[Web, dict[str, Any]]:
    truth = json.loads((web_dir / "truth.json").read_text(encoding="utf-8"))
    return Web(web_dir, truth["nominal_port"], SimConfig.for_tests()), truth


def fetch(w: Web, url: str) -> tuple[int, dict[str, str], bytes]:
    addr = urlsplit(url).hostname
    key = next(k for k, h in w.hosts.items() if h["addr"] == addr)
    resp = w.route(key, "GET", target_of(url), 1)
    return resp.status, dict(resp.headers), resp.body


def by_name(truth: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in truth["sites"].values() if s["name"] == name)


def test_one_site_per_municipality_and_truth_from_the_labels(served: tuple[Web, dict[str, Any]]) -> None:
    _, truth = served
    assert sorted(s["name"] for s in truth["sites"].values()) == ["Ale", "Alingsås", "Alvesta"]
    ale, alingsas, alvesta = by_name(truth, "Ale"), by_name(truth, "Alingsås"), by_name(truth, "Alvesta")
    assert (ale["expected_status"], alingsas["expected_status"], alvesta["expected_status"]) == (
        "program_found", "expired_only", "no_program_found")
    (prog,) = ale["programmes"]
    assert sorted(prog["corpus_ids"]) == ["ale-doc", "ale-news", "ale-page", "ale-sub"]
    assert len(prog["urls"]) == 4 and prog["status"] == "current"
    # a tag is true for the programme when any of its documents carries it
    assert prog["traits"]["action_plan"] and prog["traits"]["business_collaboration"]
    assert not prog["traits"]["sustainability"] and prog["traits"]["program_type"] == "naringsliv"
    (old,) = alingsas["programmes"]
    assert (old["status"], old["valid_from"], old["valid_to"], old["regional_category"]) == (
        "expired", 2010, 2014, "rus")
    look = {d["id"]: d for s in truth["sites"].values() for d in s["decoys"]}
    assert {"ale-draft", "ale-party", "ale-vision", "alingsas-rus", "alingsas-press", "alvesta-biz"} <= set(look)
    assert look["ale-party"]["doc_kind"] == "party" and look["ale-party"]["placement"] == "party"
    # every document of the corpus is placed once as its own (neighbour copies come on top)
    placed = [i for s in truth["sites"].values() for i in s["corpus_ids"]]
    assert set(placed) == {r["id"] for r in corpus_records()}


def test_documents_sit_where_real_sites_have_them(served: tuple[Web, dict[str, Any]]) -> None:
    w, truth = served
    ale = by_name(truth, "Ale")
    docs = {d["id"]: d for d in ale["programmes"][0]["documents"]}
    for id_ in ("ale-page", "ale-sub", "ale-news"):
        assert docs[id_]["kind"] == "html"
    assert docs["ale-doc"]["kind"] in ("pdf", "docx", "scanned_pdf")
    host = urlsplit(ale["url"]).hostname
    news = docs["ale-news"]["urls"][0]
    assert urlsplit(news).hostname == host
    status, headers, body = fetch(w, news)
    assert status == 200 and "html" in headers["Content-Type"]
    look = {d["id"]: d for s in truth["sites"].values() for d in s["decoys"]}
    region_host = urlsplit(look["alingsas-rus"]["urls"][0]).hostname
    press_host = urlsplit(look["alingsas-press"]["urls"][0]).hostname
    party_host = urlsplit(look["ale-party"]["urls"][0]).hostname
    alingsas_host = urlsplit(by_name(truth, "Alingsås")["url"]).hostname
    assert len({region_host, press_host, party_host, alingsas_host, host}) == 5
    kinds = {w.hosts[k]["kind"] for k, h in w.hosts.items() if h["addr"] in (region_host, press_host, party_host)}
    assert kinds == {"region", "external"}
    for url in (look["alingsas-rus"]["urls"][0], look["alingsas-press"]["urls"][0], look["ale-party"]["urls"][0]):
        assert fetch(w, url)[0] == 200
    # the regional strategy is linked from the business section: a link walk over the site and one hop finds it
    site_key = next(k for k, h in w.hosts.items() if h["addr"] == alingsas_host)
    region_key = next(k for k, h in w.hosts.items() if h["addr"] == region_host)
    found = walk(w, site_key, limit=400, hosts={site_key, region_key}).seen
    assert look["alingsas-rus"]["urls"][0] in found


def test_pages_keep_the_real_text_and_take_their_heading_line(served: tuple[Web, dict[str, Any]]) -> None:
    w, truth = served
    ale = by_name(truth, "Ale")
    page = next(d for d in ale["programmes"][0]["documents"] if d["id"] == "ale-page")["urls"][0]
    _, _, body = fetch(w, page)
    html = body.decode("utf-8")
    assert "<title>Näringslivsprogram för Ale - Ale kommun</title>" in html
    assert html.count("<h1>") == 1 and "<h1>Näringslivsprogram för Ale</h1>" in html
    # the chrome line stays where the text has it, before the heading; the lines keep their breaks
    assert html.index("<p>Hoppa till innehåll</p>") < html.index("<h1>")
    assert "Vi vill att företagen ska växa.<br>Programmet har fyra fokusområden." in html


def test_programme_files_have_a_text_layer_or_are_docx(served: tuple[Web, dict[str, Any]]) -> None:
    w, truth = served
    for site in truth["sites"].values():
        for prog in site["programmes"]:
            for d in prog["documents"]:
                if d["kind"] == "html":
                    continue
                status, headers, body = fetch(w, d["urls"][0])
                assert status == 200
                if d["kind"] == "docx":
                    assert body[:2] == b"PK"
                    continue
                pdf = pdfium.PdfDocument(io.BytesIO(body))
                text = pdf[0].get_textpage().get_text_range()
                assert ("Inledning" in text or "Alingsås ska växa." in text) == (d["kind"] == "pdf")


def test_a_document_about_no_municipality_becomes_a_look_alike_on_one_site(
    served: tuple[Web, dict[str, Any]],
) -> None:
    w, truth = served
    holders = [s["name"] for s in truth["sites"].values() if "someones-programme" in s["corpus_ids"]]
    assert len(holders) == 1
    site = by_name(truth, holders[0])
    dec = next(d for d in site["decoys"] if d["id"] == "someones-programme")
    assert dec["placement"] == "neighbour" and dec["is_program_label"]
    assert all("someones-programme" not in p["corpus_ids"] for p in site["programmes"])
    assert fetch(w, dec["urls"][0])[0] == 200


def test_same_seed_same_bytes(tmp_path: Path, web_dir: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus.jsonl", corpus_records())
    again = generate_from_corpus(tmp_path / "web", corpus, seed=3, config=SimConfig.for_tests(inventory_year=YEAR))
    assert digest(again) == digest(web_dir)


def test_a_municipality_outside_the_reference_list_is_a_one_line_usage_error(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "c.jsonl", [*corpus_records(), rec("x", "Atlantis", "party", "Partiet\n\nX")])
    with pytest.raises(UsageError, match=r"not in the reference list: Atlantis") as err:
        generate_from_corpus(tmp_path / "web", corpus, seed=1)
    assert "\n" not in str(err.value)


def test_bad_corpus_lines_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(corpus_records()[0]) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"c\.jsonl:2: not JSON"):
        generate_from_corpus(tmp_path / "web", path, seed=1)


def test_faults_one_site_down_and_one_scanned_programme_with_the_truth_saying_so(tmp_path: Path) -> None:
    names = ["Ale", "Alingsås", "Alvesta", "Aneby", "Arboga", "Arjeplog", "Arvidsjaur", "Arvika", "Askersund"]
    records = [rec(f"{n}-doc", n, "program_doc", f"Näringslivsstrategi {n}\n\nText om {n}.", prog=True,
                   program_type="naringsliv") for n in names[:4]]
    records += [rec(f"{n}-party", n, "party", f"Partiets program i {n}\n\nVi vill.") for n in names[4:]]
    assert len(names) >= MIN_SITES_FOR_FAULTS
    d = generate_from_corpus(tmp_path / "web", write_corpus(tmp_path / "c.jsonl", records), seed=5,
                             config=SimConfig.for_tests(inventory_year=YEAR))
    truth = json.loads((d / "truth.json").read_text(encoding="utf-8"))
    down = [s for s in truth["sites"].values() if s["expected_status"] == "site_unreachable"]
    assert len(down) == 1 and not down[0]["programmes"]  # the site without a programme goes down
    scanned = [p for s in truth["sites"].values() for p in s["programmes"] if p["kind"] == "scanned_pdf"]
    assert len(scanned) == 1
    site = next(s for s in truth["sites"].values() if scanned[0] in s["programmes"])
    assert site["expected_status"] == "program_found" and site["expected_status_without_ocr"] == "needs_ocr"


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "status"),
    [(None, None, "current"), (2020, 2026, "current"), (None, 2035, "current"), (2015, 2018, "expired"),
     (2027, 2030, "future")],
)
def test_period_status_for_the_inventory_year(valid_from: int | None, valid_to: int | None, status: str) -> None:
    assert period_status(valid_from, valid_to, YEAR) == status


def test_a_programme_that_starts_after_the_year_is_not_expired() -> None:
    assert label_status(["future"]) == "program_found"  # found, not in force (in_force false)
    assert label_status(["future", "expired"]) == "program_found"
    assert label_status(["expired", "current"]) == "program_found"
    assert label_status([]) == "no_program_found"


def test_the_heldout_corpus_builds_a_web_whose_truth_matches_its_labels(tmp_path: Path, corpus: Path) -> None:
    from classify.split import partition
    from simweb.realtext import read_corpus

    heldout = partition(read_corpus(corpus)).heldout
    d = generate_from_corpus(tmp_path / "web", write_corpus(tmp_path / "h.jsonl", heldout), seed=1,
                             config=SimConfig.for_tests(inventory_year=YEAR))
    truth = json.loads((d / "truth.json").read_text(encoding="utf-8"))
    w = Web(d, truth["nominal_port"], SimConfig.for_tests())
    assert {s["name"] for s in truth["sites"].values()} == {r["municipality"] for r in heldout if r["municipality"]}
    placed = {i for s in truth["sites"].values() for i in s["corpus_ids"]}
    assert placed == {r["id"] for r in heldout}
    positives = {r["id"] for r in heldout if r["is_program"] and r["municipality"]}
    assert {i for s in truth["sites"].values() for p in s["programmes"] for i in p["corpus_ids"]} == positives
    for site in truth["sites"].values():
        if site["expected_status"] != "site_unreachable":
            assert site["expected_status"] == label_status([p["status"] for p in site["programmes"]])
        for p in site["programmes"]:
            for url in p["urls"]:
                assert fetch(w, url)[0] == 200, (site["name"], url)
