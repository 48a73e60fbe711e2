"""The crawl's sink: fetches, candidates and outcomes go to the store, in an order that is crash safe.

Not a Scrapy item pipeline on purpose: crash safety needs the outcome to be committed only after every
candidate of that municipality, and a direct, synchronous call per event gives that order for free.

What is written when, and why:

* **Candidates** are saved as they come, each in its own transaction: they carry document bytes (up to
  100 MB), which should not wait in memory, and a candidate is idempotent.
* **Fetch records** are kept in memory and written with the municipality's outcome in one transaction
  (``Store.finish_municipality(..., fetch_rows=...)``). One transaction per page was the largest store
  cost of a crawl (about a third of the crawl process's store time). Nothing is lost by waiting: a
  municipality killed before its outcome stays "in progress" and ``Store.start_municipality`` discards
  a dead attempt's fetches when it is crawled again, so its fetch rows would go anyway.
* **Validators** (ETag / Last-Modified of URLs seen in earlier runs) are read once per host
  (``Store.origin_validators``) instead of once per page request, and candidates saved by this process
  update that copy the way ``save_candidate`` updates the table. What another process writes for a host
  after this one read it is not seen; that only decides whether a request is conditional, and a 304 is
  read by the same rules as the 200 it stands for (the spider's ``_read_content``).
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

from base.errors import StoreError
from base.store import Store, Validators, now
from crawler.judge import Reading
from extract.reader import EXTRACTOR_VERSION, Extraction, ExtractionFailure, store_fields


def origin_of(url: str) -> str:
    """``scheme://netloc`` of a URL: the key validators are read and cached by."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Recorder:
    """Binds a store to one run and counts what was written (for the run summary)."""

    def __init__(self, store: Store, run_id: int) -> None:
        self.store = store
        self.run_id = run_id
        self.candidates = 0
        self.fetches = 0
        self._fetch_rows: dict[str, list[dict[str, Any]]] = {}  # per municipality, until its outcome
        self._validators: dict[str, dict[str, Validators]] = {}  # per origin, read once

    def finished(self, code: str) -> bool:
        return self.store.municipality_finished(self.run_id, code)

    def run_bytes(self) -> int:
        """Bytes the run's finished municipalities downloaded (for the run's byte budget on a resume)."""
        return self.store.run_bytes(self.run_id)

    def start(self, code: str) -> None:
        if self.store.start_municipality(self.run_id, code):
            self._validators.clear()  # a dead attempt's validators were deleted: read them again
        self._fetch_rows[code] = []

    def validators(self, url: str) -> Validators | None:
        origin = origin_of(url)
        if not url.startswith(f"{origin}/"):  # not a canonical URL (no path, upper-case scheme): ask
            return self.store.url_validators(url)
        known = self._validators.get(origin)
        if known is None:
            known = self._validators[origin] = self.store.origin_validators(origin)
        return known.get(url)

    def stored_content(self, sha256: str) -> bytes | None:
        """The stored bytes of an unchanged (304) resource, or None when the store lost them."""
        try:
            return self.store.blob(sha256)
        except StoreError:
            return None

    def known_extraction(self, body: bytes) -> Reading | None:
        """The store's extraction of these bytes by this extractor version, or None (read them, then)."""
        sha = hashlib.sha256(body).hexdigest()
        row = self.store.extraction(sha, EXTRACTOR_VERSION)
        if row is None:
            return None
        error = ExtractionFailure(row["error_code"], row["error_message"] or "") if row["error_code"] else None
        ext = Extraction(kind=row["kind"] or "unknown", pages=list(row["pages"] or []), text=row["text"] or "",
                         title=row["title"], needs_ocr=bool(row.get("needs_ocr")), error=error)
        return Reading(sha, ext, full=True, stored=True)

    def save_extraction(self, sha256: str, extraction: Extraction) -> None:
        """A document read during the crawl is stored as the extract stage would store it (its cache)."""
        self.store.save_extraction(sha256, EXTRACTOR_VERSION, **store_fields(extraction))

    def fetch(self, code: str, *, url: str, final_url: str, status: int | None, content_type: str | None,
              size: int, sha256: str | None, etag: str | None, last_modified: str | None, route: str,
              error: str | None) -> None:
        self.fetches += 1
        self._fetch_rows.setdefault(code, []).append(dict(
            url=url, final_url=final_url, status=status, content_type=content_type, size=size, sha256=sha256,
            etag=etag, last_modified=last_modified, route=route, error=error, fetched_at=now()))

    def pending_fetches(self, code: str) -> list[dict[str, Any]]:
        """The fetch records of a municipality in progress, in the order recorded (not yet in the store)."""
        return list(self._fetch_rows.get(code, ()))

    def candidate(self, code: str, *, content: bytes | None, sha256: str | None, url: str, final_url: str,
                  content_type: str | None, filename: str | None, source_page: str | None,
                  anchor_text: str | None, route: str, link_score: float, etag: str | None,
                  last_modified: str | None) -> str:
        """Save one candidate; returns its sha256 (computed here when content is given)."""
        digest = hashlib.sha256(content).hexdigest() if content is not None else sha256
        if digest is None:
            raise ValueError(f"candidate {url} has neither content nor a stored sha256")
        self.candidates += 1
        self.store.save_candidate(self.run_id, code, sha256=digest, content=content, url=url,
                                  final_url=final_url, content_type=content_type, filename=filename,
                                  source_page=source_page, anchor_text=anchor_text, route=route,
                                  link_score=link_score, etag=etag, last_modified=last_modified)
        known = self._validators.get(origin_of(url))
        if known is not None:  # as save_candidate just did in the table
            known[url] = Validators(etag, last_modified, digest)
        return digest

    def finish(self, code: str, **outcome: Any) -> None:
        """Commit the outcome with the municipality's fetch records; they are dropped only once committed."""
        self.store.finish_municipality(self.run_id, code, fetch_rows=self._fetch_rows.get(code, ()), **outcome)
        self._fetch_rows.pop(code, None)
