"""The crawl's sink: fetches, candidates and outcomes go straight to the store, in order.

Not a Scrapy item pipeline on purpose: crash safety needs the outcome to be committed only after every
candidate of that municipality, and a direct, synchronous call per event gives that order for free
(each store method commits its own transaction). A kill between two calls loses nothing committed,
and the municipality stays "in progress", so the rerun crawls it again; candidates are idempotent.
"""

from __future__ import annotations

import hashlib
from typing import Any

from inventory.errors import StoreError
from inventory.store import Store, Validators


class Recorder:
    """Binds a store to one run and counts what was written (for the run summary)."""

    def __init__(self, store: Store, run_id: int) -> None:
        self.store = store
        self.run_id = run_id
        self.candidates = 0
        self.fetches = 0

    def finished(self, code: str) -> bool:
        return self.store.municipality_finished(self.run_id, code)

    def start(self, code: str) -> None:
        self.store.start_municipality(self.run_id, code)

    def validators(self, url: str) -> Validators | None:
        return self.store.url_validators(url)

    def stored_content(self, sha256: str) -> bytes | None:
        """The stored bytes of an unchanged (304) resource, or None when the store lost them."""
        try:
            return self.store.blob(sha256)
        except StoreError:
            return None

    def fetch(self, code: str, *, url: str, final_url: str, status: int | None, content_type: str | None,
              size: int, sha256: str | None, etag: str | None, last_modified: str | None, route: str,
              error: str | None) -> None:
        self.fetches += 1
        self.store.record_fetch(self.run_id, code, url=url, final_url=final_url, status=status,
                                content_type=content_type, size=size, sha256=sha256, etag=etag,
                                last_modified=last_modified, route=route, error=error)

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
        return digest

    def finish(self, code: str, **outcome: Any) -> None:
        self.store.finish_municipality(self.run_id, code, **outcome)
