"""Starting (or resuming) a run: the one place that takes the run lock, opens the store and writes the run
row with its options. ``kommunprogram run``, ``kommunprogram crawl`` and ``kommunprogram enqueue`` all start
their runs here, so a run started one way is resumed by another (docs/operations.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from base.lock import run_lock
from base.municipalities import Municipality
from base.settings import Settings
from base.store import Store
from crawler.queue import enqueue


def input_digest(items: Sequence[Municipality]) -> str:
    """Identifies a run's input, so a rerun after a crash resumes the same run."""
    text = "\n".join(f"{m.code},{m.website}" for m in items)
    return hashlib.sha256(text.encode()).hexdigest()


def run_options(settings: Settings, **extra: Any) -> dict[str, Any]:
    """What the run row records about how it was started."""
    return {"allow_private_addresses": settings.run.allow_private_addresses,
            "crawl": {k: v for k, v in asdict(settings.crawl).items() if k != "user_agent"}, **extra}


def start_run(store: Store, settings: Settings, items: Sequence[Municipality], *, resume: bool = True,
              **extra: Any) -> int:
    """The run of this year and input (resumed when unfinished and ``resume``), its municipalities stored."""
    store.upsert_municipalities(items)
    return store.start_run(settings.run.year, input_digest(items), run_options(settings, **extra), resume=resume)


@contextmanager
def open_run(settings: Settings, items: Sequence[Municipality], *, resume: bool = True,
             **extra: Any) -> Iterator[tuple[Store, int]]:
    """The store and the run id, under the store's run lock (released, with the store closed, on exit)."""
    with run_lock(settings.run.db_url):
        store = Store.open(settings.run.db_url)
        try:
            yield store, start_run(store, settings, items, resume=resume, **extra)
        finally:
            store.close()


def enqueue_run(redis_url: str, settings: Settings, items: Sequence[Municipality], *,
                prefix: str) -> tuple[int, int]:
    """Create (or resume) the run in the shared store, as ``kommunprogram run`` would, and queue it for the
    workers. Returns ``(run_id, newly_queued)``. The run has the year and input digest of a local run of the
    same list, so ``kommunprogram run --db <same>`` afterwards resumes it: every municipality is already
    crawled, and it goes on with extract, classify and stats."""

    store = Store.open(settings.run.db_url)
    try:
        run_id = start_run(store, settings, items, distributed=True)
    finally:
        store.close()
    return run_id, enqueue(redis_url, run_id, items, settings.run.db_url, settings.crawl, prefix=prefix)

