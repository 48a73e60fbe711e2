"""The Store on a real PostgreSQL: the same operations as tests/test_store.py, plus what only a server has.

Every test of tests/test_store.py that needs nothing but a ``store`` is collected here again with the
``store`` fixture below, so a new SQLite store test runs on PostgreSQL too without being copied.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from base.errors import StoreError
from base.municipalities import Municipality
from base.store import SCHEMA_VERSION, Store
from tests import test_store as sqlite_store_tests
from tests.servers import PostgresServer, postgres_server  # noqa: F401 - fixture

for _name, _test in vars(sqlite_store_tests).items():
    if _name.startswith("test_") and list(inspect.signature(_test).parameters) == ["store"]:
        globals()[_name] = _test
SHARED_TESTS = sorted(n for n in globals() if n.startswith("test_") and n in vars(sqlite_store_tests))


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> str:  # noqa: F811
    return postgres_server.create_database("store")


@pytest.fixture
def store(pg_url: str) -> Iterator[Store]:
    opened = Store.open(pg_url)
    yield opened
    opened.close()


def test_the_shared_store_tests_are_collected() -> None:
    # Guards the loop above: if test_store's fixtures change shape, this module must not go silently empty.
    assert len(SHARED_TESTS) >= 5, SHARED_TESTS


def test_migrations_are_recorded_once(pg_url: str) -> None:
    Store.open(pg_url).close()
    store = Store.open(pg_url)
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("select version from schema_migrations")).all()
        tables = set(sa.inspect(conn).get_table_names())
    store.close()
    assert sorted(tuple(r) for r in rows) == [(v,) for v in range(1, SCHEMA_VERSION + 1)]
    assert {"municipalities", "runs", "run_municipalities", "fetches", "url_validators", "blobs", "candidates",
            "documents", "classifications", "results"} <= tables


def test_same_schema_as_sqlite(pg_url: str) -> None:
    """Same tables, columns and nullability on both engines (types differ only in spelling)."""
    pg = Store.open(pg_url)
    lite = Store.open(":memory:")
    try:
        for table in ("municipalities", "runs", "run_municipalities", "fetches", "url_validators", "blobs",
                      "candidates", "documents", "classifications", "results", "schema_migrations"):
            pg_cols = {(c["name"], c["nullable"]) for c in sa.inspect(pg.engine).get_columns(table)}
            lite_cols = {(c["name"], c["nullable"]) for c in sa.inspect(lite.engine).get_columns(table)}
            assert pg_cols == lite_cols, table
    finally:
        pg.close()
        lite.close()


def test_newer_schema_is_refused(pg_url: str) -> None:
    Store.open(pg_url).close()
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("insert into schema_migrations values (999, 'future', 'x')"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer than this program"):
        Store.open(pg_url)


def test_unreachable_server_is_a_store_error() -> None:
    from tests.servers import free_port

    with pytest.raises(StoreError, match="cannot open database"):
        Store.open(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x?connect_timeout=2")


def test_concurrent_migrations_from_many_workers(pg_url: str) -> None:
    """N workers opening a fresh shared store at once all succeed and record the version once."""
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            Store.open(pg_url).close()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from schema_migrations")).scalar() == SCHEMA_VERSION
    engine.dispose()


def test_large_blob_and_unicode_round_trip(store: Store) -> None:
    content = bytes(range(256)) * 40_000  # 10 MB of every byte value: bytea, not text
    sha = hashlib.sha256(content).hexdigest()
    run_id = store.start_run(2026, "d", {"note": "Näringslivsprogram för Åre – 2024–2027"})
    store.save_candidate(run_id, "2321", sha256=sha, content=content, url="https://are.se/ä.pdf",
                         final_url="https://are.se/ä.pdf", content_type="application/pdf", filename="ä.pdf",
                         source_page=None, anchor_text="Näringslivsprogram för Åre", route="link",
                         link_score=1.0, etag=None, last_modified=None)
    assert store.blob(sha) == content
    assert store.candidates(run_id)[0]["anchor_text"] == "Näringslivsprogram för Åre"
    assert json.loads(store.run(run_id)["options"])["note"] == "Näringslivsprogram för Åre – 2024–2027"


def test_two_workers_checkpoint_the_same_run(store: Store, pg_url: str) -> None:
    """What a distributed crawl does: separate connections checkpoint different municipalities of one run."""
    other = Store.open(pg_url)
    try:
        run_id = store.start_run(2026, "d", {})
        store.upsert_municipalities([Municipality("0114", "Upplands Väsby", "01", "Stockholms län", "https://a.se/"),
                                     Municipality("0115", "Vallentuna", "01", "Stockholms län", "https://b.se/")])
        store.start_municipality(run_id, "0114")
        other.start_municipality(run_id, "0115")
        other.start_municipality(run_id, "0115")  # a redelivered job: still one row
        for s, code in ((store, "0114"), (other, "0115")):
            s.finish_municipality(run_id, code, status="found", reason="ok", requests=3, requests_to_first_hit=1,
                                  found_via="link", bytes_downloaded=10, robots_blocked=[], detail={})
        assert set(store.crawl_outcomes(run_id)) == {"0114", "0115"}
        assert other.municipality_finished(run_id, "0114")
    finally:
        other.close()

