"""The crawl's sink: fetch records wait for the outcome, validators are read once per host."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from base.errors import StoreError
from base.store import Store, Validators
from crawler.recorder import Recorder, origin_of
from crawler.worker_child import AckingRecorder

PDF = b"%PDF-1.4 programme"


def fetch(recorder: Recorder, code: str, url: str) -> None:
    recorder.fetch(code, url=url, final_url=url, status=200, content_type="text/html", size=10, sha256=None,
                   etag=None, last_modified=None, route="link", error=None)


def outcome() -> dict[str, Any]:
    return dict(status="not_found_within_budget", reason="r", requests=2, requests_to_first_hit=None,
                found_via=None, bytes_downloaded=20, robots_blocked=[], detail={})


def save(recorder: Recorder, url: str, content: bytes | None, etag: str, sha256: str | None = None) -> str:
    return recorder.candidate("0114", content=content, sha256=sha256, url=url, final_url=url,
                              content_type="application/pdf", filename="p.pdf", source_page=None, anchor_text=None,
                              route="link", link_score=1.0, etag=etag, last_modified=None)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(f"sqlite:///{tmp_path}/db.sqlite")


def test_fetch_records_are_written_with_the_outcome(store: Store) -> None:
    run_id = store.start_run(2026, "d", {})
    recorder = Recorder(store, run_id)
    recorder.start("0114")
    recorder.start("0115")
    for url in ("http://a.se/", "http://a.se/b", "http://a.se/c"):
        fetch(recorder, "0114", url)
    fetch(recorder, "0115", "http://b.se/")
    assert store.fetch_count(run_id) == 0  # nothing until the outcome
    assert [r["url"] for r in recorder.pending_fetches("0114")] == ["http://a.se/", "http://a.se/b", "http://a.se/c"]
    recorder.finish("0114", **outcome())
    assert store.fetch_count(run_id) == 3 and store.municipality_finished(run_id, "0114")
    assert recorder.pending_fetches("0114") == [] and len(recorder.pending_fetches("0115")) == 1
    assert recorder.fetches == 4


def test_a_failed_outcome_keeps_the_fetch_records(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    run_id = store.start_run(2026, "d", {})
    recorder = Recorder(store, run_id)
    recorder.start("0114")
    fetch(recorder, "0114", "http://a.se/")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise StoreError("database write failed")

    monkeypatch.setattr(store, "finish_municipality", broken)
    with pytest.raises(StoreError):
        recorder.finish("0114", **outcome())
    assert len(recorder.pending_fetches("0114")) == 1 and store.fetch_count(run_id) == 0


def test_validators_are_read_once_per_origin_and_follow_saved_candidates(store: Store,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    run_id = store.start_run(2026, "d", {})
    first = Recorder(store, run_id)
    first.start("0114")
    sha = save(first, "http://a.se/p.pdf", PDF, '"v1"')
    recorder = Recorder(store, store.start_run(2026, "e", {}))
    recorder.start("0114")
    reads: list[str] = []
    read = store.origin_validators

    def counted(origin: str) -> dict[str, Validators]:
        reads.append(origin)
        return read(origin)

    monkeypatch.setattr(store, "origin_validators", counted)
    assert recorder.validators("http://a.se/p.pdf") == Validators('"v1"', None, sha)
    assert recorder.validators("http://a.se/other") is None
    assert recorder.validators("https://a.se/p.pdf") is None
    assert reads == ["http://a.se", "https://a.se"]
    # A candidate saved by this process (a changed document) is seen without reading the store again.
    new = b"%PDF-1.4 version 2"
    save(recorder, "http://a.se/p.pdf", new, '"v2"')
    save(recorder, "http://a.se/q.pdf", new, '"q1"')
    assert recorder.validators("http://a.se/p.pdf") == Validators('"v2"', None, hashlib.sha256(new).hexdigest())
    assert recorder.validators("http://a.se/q.pdf") == store.url_validators("http://a.se/q.pdf")
    assert reads == ["http://a.se", "https://a.se"]


def test_validators_of_a_discarded_attempt_are_read_again(store: Store) -> None:
    run_id = store.start_run(2026, "d", {})
    dead = Recorder(store, run_id)
    dead.start("0114")
    save(dead, "http://a.se/p.pdf", PDF, '"v1"')  # the attempt dies here: still in progress
    again = Recorder(store, run_id)
    assert again.validators("http://a.se/p.pdf") is not None  # read before the municipality starts again
    again.start("0114")  # discards the dead attempt's candidates and the validators it stored
    assert store.url_validators("http://a.se/p.pdf") is None
    assert again.validators("http://a.se/p.pdf") is None


def test_a_url_that_is_not_canonical_is_looked_up_directly(store: Store) -> None:
    run_id = store.start_run(2026, "d", {})
    recorder = Recorder(store, run_id)
    recorder.start("0114")
    save(recorder, "http://a.se?id=1", PDF, '"v1"')
    assert origin_of("http://a.se?id=1") == "http://a.se"
    stored = store.url_validators("http://a.se?id=1")
    assert stored is not None and recorder.validators("http://a.se?id=1") == stored


def test_the_distributed_worker_acknowledges_after_the_fetch_records_are_committed(store: Store) -> None:
    run_id = store.start_run(2026, "d", {})
    seen: list[tuple[bool, int]] = []

    class Source:
        def ack(self, code: str) -> None:  # what the store holds when Redis is told
            seen.append((store.municipality_finished(run_id, code), store.fetch_count(run_id)))

    recorder = AckingRecorder(store, run_id, Source())  # type: ignore[arg-type]
    recorder.start("0114")
    fetch(recorder, "0114", "http://a.se/")
    fetch(recorder, "0114", "http://a.se/b")
    recorder.finish("0114", **outcome())
    assert seen == [(True, 2)]
