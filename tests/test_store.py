from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from base.errors import StoreError
from base.municipalities import Municipality
from base.store import SCHEMA_VERSION, Store, fetches

PDF = b"%PDF-1.4 programme"
SHA = hashlib.sha256(PDF).hexdigest()


def candidate(store: Store, run_id: int, content: bytes | None, url: str = "http://a.se/p.pdf") -> None:
    store.save_candidate(run_id, "0114", sha256=SHA, content=content, url=url, final_url=url,
                         content_type="application/pdf", filename="p.pdf", source_page="http://a.se/",
                         anchor_text="Näringslivsprogram", route="link", link_score=9.5, etag='"v1"',
                         last_modified=None)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(str(tmp_path / "db.sqlite"))


def test_migrations_are_recorded_once(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    Store.open(str(path)).close()
    Store.open(f"sqlite:///{path}").close()
    rows = sqlite3.connect(path).execute("select version from schema_migrations").fetchall()
    assert rows == [(v,) for v in range(1, SCHEMA_VERSION + 1)]


def test_business_hosts_are_kept_and_an_older_store_gains_the_column(tmp_path: Path) -> None:
    # A distributed worker reads its municipality from the store: the file's business hosts must be there.
    path = tmp_path / "db.sqlite"
    store = Store.open(str(path))
    store.upsert_municipalities([Municipality(code="0114", name="Upplands Väsby", county_code="01",
                                              county="Stockholms län", website="https://www.upplandsvasby.se",
                                              business_hosts=("vasbynaringsliv.se",))])
    assert store.municipalities(["0114"])[0].business_hosts == ("vasbynaringsliv.se",)
    store.close()
    # The store as schema version 3 left it: no column, no migration 4 recorded.
    con = sqlite3.connect(path)
    con.execute("alter table municipalities drop column business_hosts")
    con.execute("delete from schema_migrations where version = 4")
    con.commit()
    con.close()
    reopened = Store.open(str(path))
    assert reopened.municipalities(["0114"])[0].business_hosts == ()
    assert [r[0] for r in sqlite3.connect(path).execute("select version from schema_migrations")][-1] == 4


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    Store.open(str(path)).close()
    con = sqlite3.connect(path)
    con.execute("insert into schema_migrations values (999, 'future', 'x')")
    con.commit()
    with pytest.raises(StoreError, match="newer than this program"):
        Store.open(str(path))


def test_unopenable_database_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="cannot open database"):
        Store.open(str(tmp_path / "file" / "db.sqlite"))


def test_run_resumes_until_finished(store: Store) -> None:
    first = store.start_run(2026, "digest", {})
    assert store.start_run(2026, "digest", {}) == first
    assert store.start_run(2026, "other", {}) != first
    store.finish_run(first)
    assert store.start_run(2026, "digest", {}) != first


def test_candidates_are_content_addressed_and_idempotent(store: Store) -> None:
    run_id = store.start_run(2026, "d", {})
    candidate(store, run_id, PDF)
    candidate(store, run_id, PDF)  # a rerun after a crash
    candidate(store, run_id, None, url="http://a.se/p.pdf")  # 304: unchanged
    candidate(store, run_id, PDF, url="http://a.se/moved.pdf")  # same content under a new URL
    assert [c["url"] for c in store.candidates(run_id)] == ["http://a.se/p.pdf", "http://a.se/moved.pdf"]
    assert store.blob(SHA) == PDF
    validators = store.url_validators("http://a.se/p.pdf")
    assert validators is not None and validators.etag == '"v1"' and validators.sha256 == SHA


def test_wrong_hash_and_missing_blob_are_refused(store: Store) -> None:
    run_id = store.start_run(2026, "d", {})
    with pytest.raises(StoreError, match="does not match"):
        store.save_candidate(run_id, "0114", sha256="0" * 64, content=PDF, url="u", final_url="u",
                             content_type=None, filename=None, source_page=None, anchor_text=None, route="link",
                             link_score=0, etag=None, last_modified=None)
    with pytest.raises(StoreError, match="no stored content"):
        candidate(store, run_id, None)


def test_municipality_checkpoint(store: Store) -> None:
    run_id = store.start_run(2026, "d", {})
    store.upsert_municipalities([Municipality("0114", "Upplands Väsby", "01", "Stockholms län", "https://a.se/")])
    store.start_municipality(run_id, "0114")
    assert not store.municipality_finished(run_id, "0114")
    store.finish_municipality(run_id, "0114", status="found", reason="ok", requests=7, requests_to_first_hit=3,
                              found_via="link", bytes_downloaded=100, robots_blocked=[], detail={"a": 1})
    assert store.municipality_finished(run_id, "0114")
    assert store.crawl_outcomes(run_id)["0114"]["requests"] == 7
    assert store.municipalities()[0].name == "Upplands Väsby"


def test_extraction_classification_and_results_round_trip(store: Store) -> None:
    store.save_extraction(SHA, "1", kind="pdf", title="Näringslivsprogram", text="t", pages=["t"],
                          meta={"valid_to": 2027}, needs_ocr=False, error_code=None, error_message=None)
    store.save_extraction(SHA, "1", kind="pdf", title="Näringslivsprogram 2", text="t", pages=["t"],
                          meta={}, needs_ocr=False, error_code=None, error_message=None)
    assert store.extraction(SHA, "1")["title"] == "Näringslivsprogram 2"
    assert store.extraction(SHA, "2") is None
    store.save_classification(SHA, "m1", "1", {"is_program": True, "confidence": {"is_program": 0.9}})
    assert store.classification(SHA, "m1", "1")["is_program"] is True
    run_id = store.start_run(2026, "d", {})
    store.save_results(run_id, 2026, [{"code": "0114", "status": "program_found", "decisions": [{"x": 1}]}])
    store.save_results(run_id, 2026, [{"code": "0114", "status": "no_program_found", "decisions": []}])
    assert store.results(run_id) == [{"code": "0114", "status": "no_program_found", "decisions": []}]
    assert store.latest_run(2026, with_results=True) == run_id


def test_origin_validators_are_the_urls_under_one_origin(store: Store) -> None:
    run_id = store.start_run(2026, "d", {})
    for url in ("http://a.se/p.pdf", "http://a.se/x/p.pdf", "http://a.se:8080/p.pdf", "https://a.se/p.pdf",
                "http://a.sex/p.pdf", "http://b.se/a.se/p.pdf"):
        candidate(store, run_id, PDF, url=url)
    assert sorted(store.origin_validators("http://a.se")) == ["http://a.se/p.pdf", "http://a.se/x/p.pdf"]
    assert list(store.origin_validators("http://a.se:8080")) == ["http://a.se:8080/p.pdf"]
    assert store.origin_validators("http://a.se")["http://a.se/p.pdf"] == store.url_validators("http://a.se/p.pdf")
    assert store.origin_validators("http://c.se") == {}


def test_a_saved_candidate_updates_its_validators(store: Store) -> None:
    run_id = store.start_run(2026, "d", {})
    candidate(store, run_id, PDF)
    store.save_candidate(run_id, "0114", sha256=SHA, content=None, url="http://a.se/p.pdf",
                         final_url="http://a.se/p.pdf", content_type="application/pdf", filename="p.pdf",
                         source_page=None, anchor_text=None, route="link", link_score=1.0, etag='"v2"',
                         last_modified="Tue, 01 Dec 2026 10:00:00 GMT")
    validators = store.url_validators("http://a.se/p.pdf")
    assert validators is not None and validators.etag == '"v2"' and validators.last_modified is not None
    assert len(store.candidates(run_id)) == 1  # the same (run, municipality, content, URL): kept once


def test_fetch_rows_are_committed_with_the_outcome_in_order(store: Store) -> None:
    run_id = store.start_run(2026, "d", {})
    store.start_municipality(run_id, "0114")
    rows = [dict(url=f"http://a.se/{i}", final_url=f"http://a.se/{i}", status=200, content_type="text/html",
                 size=i, sha256=None, etag=None, last_modified=None, route="link", error=None,
                 fetched_at=f"2026-11-27T10:00:0{i}+00:00") for i in range(3)]
    store.record_fetch(run_id, "0115", url="http://b.se/", final_url="http://b.se/", status=404, content_type=None,
                       size=0, sha256=None, etag=None, last_modified=None, route="link", error="http_404")
    store.finish_municipality(run_id, "0114", status="found", reason="ok", requests=3, requests_to_first_hit=1,
                              found_via="link", bytes_downloaded=3, robots_blocked=[], detail={}, fetch_rows=rows)
    assert store.fetch_count(run_id) == 4
    with store.engine.connect() as conn:
        query = sa.select(fetches).where(fetches.c.code == "0114").order_by(fetches.c.id)
        stored = conn.execute(query).mappings().all()
    assert [(r["url"], r["size"], r["fetched_at"], r["run_id"]) for r in stored] == [
        (row["url"], row["size"], row["fetched_at"], run_id) for row in rows]
    assert store.municipality_finished(run_id, "0114")


# -- a damaged store fails on open or on read, in one line that says how to recover (issue 16 item 4) ------
def _damaged(tmp_path: Path, sql: str) -> Path:
    db = tmp_path / "damaged.sqlite"
    store = Store.open(str(db))
    run = store.start_run(2026, "x", {})
    store.save_results(run, 2026, [{"code": "0114", "name": "Upplands Väsby", "status": "no_program_found",
                                    "decisions": []}])
    store.close()
    with sqlite3.connect(db) as conn:
        conn.execute(sql)
    return db


def test_a_missing_table_fails_on_open(tmp_path: Path) -> None:
    db = _damaged(tmp_path, "DROP TABLE candidates")
    with pytest.raises(StoreError, match="damaged: table 'candidates' is missing; restore the database"):
        Store.open(str(db))


def test_a_missing_column_fails_on_open(tmp_path: Path) -> None:
    db = _damaged(tmp_path, "ALTER TABLE fetches DROP COLUMN etag")
    with pytest.raises(StoreError, match="lacks column"):
        Store.open(str(db))


def test_a_row_with_invalid_json_names_the_row_and_the_way_out(tmp_path: Path) -> None:
    db = _damaged(tmp_path, "UPDATE results SET row = '{not json' WHERE code = '0114'")
    store = Store.open(str(db))
    with pytest.raises(StoreError, match=r"results row \(run 1, municipality 0114\) holds invalid JSON; run "
                                         r"`kommunprogram classify --run 1`"):
        store.results(1)
    store.close()


@pytest.mark.parametrize("sql", ["DROP TABLE results", "UPDATE results SET decisions = '[' WHERE code = '0114'"])
def test_stats_on_a_damaged_store_is_one_line_and_exit_4(tmp_path: Path, sql: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from inventory.cli import main

    db = _damaged(tmp_path, sql)
    assert main(["stats", "--year", "2026", "--db", str(db), "--out", str(tmp_path / "out")]) == 4
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("kommunprogram: error: ") and "damaged" in err


def check_inventory_view(store: Store) -> None:
    """The inventory view: one column per field of the inventory rows, tags as a JSON array."""
    import json

    from inventory.pipeline import frames_from_results

    store.upsert_municipalities([Municipality("0114", "Upplands Väsby", "01", "Stockholms län", "https://a.se/")])
    run_id = store.start_run(2025, "d", {})
    row = {"code": "0114", "name": "Upplands Väsby", "county_code": "01", "county": "Stockholms län",
           "status": "program_found", "program_title": "Näringslivsprogram", "program_type": "naringsliv",
           "valid_from": 2024, "valid_to": 2027, "sustainability": True, "action_plan": True, "rus_link": False,
           "needs_review": True, "review_reasons": "sustainability 0.46", "confidence": 0.93, "sha256": SHA,
           "evidence": {"action_plan": {"quote": "En handlingsplan tas fram.", "page": 2}}, "decisions": []}
    store.save_results(run_id, 2025, [row])
    with store.engine.connect() as conn:
        result = conn.execute(sa.text("select * from inventory where run_id = :r"), {"r": run_id}).mappings().one()
    inventory, _, _ = frames_from_results(store.results(run_id))
    assert set(inventory.columns) <= set(result), set(inventory.columns) - set(result)
    assert (result["code"], result["name"], result["status"], result["program_type"]) == (
        "0114", "Upplands Väsby", "program_found", "naringsliv")
    assert str(result["valid_from"]) == "2024" and result["review_reasons"] == "sustainability 0.46"
    assert sorted(json.loads(result["tags"])) == ["action_plan", "sustainability"]
    assert json.loads(result["evidence"]) == row["evidence"]


def test_the_inventory_view(store: Store) -> None:
    check_inventory_view(store)


def test_datasette_facets_on_the_inventory_view(tmp_path: Path) -> None:
    import json
    import shutil
    import subprocess
    import sys

    if shutil.which("datasette", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("datasette is not installed (pip install -e '.[explore]')")
    path = tmp_path / "kommunprogram.sqlite"  # the database name the metadata describes
    store = Store.open(str(path))
    check_inventory_view(store)
    store.close()
    metadata = Path(__file__).resolve().parent.parent / "inventory" / "data" / "datasette-metadata.json"
    done = subprocess.run([str(Path(sys.executable).parent / "datasette"), str(path), "-m", str(metadata),
                           "--get", "/kommunprogram/inventory.json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    facets = json.loads(done.stdout)["facet_results"]
    facets = facets.get("results", facets)
    assert {"status", "program_type", "tags"} <= set(facets)
    assert {(f["value"], f["count"]) for f in facets["tags"]["results"]} == {("action_plan", 1), ("sustainability", 1)}
