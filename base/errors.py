"""The project's error vocabulary.

Components raise these; only the CLI (``inventory.cli``) turns them into a one-line message and an
exit code. Per-item failures (one municipality, one document) are *recorded* with a reason code in
the store instead of being raised, so one bad item never stops a run.

| exception            | raised when                                             | CLI exit |
|----------------------|---------------------------------------------------------|----------|
| UsageError           | bad arguments or a bad input file (CSV, JSONL, config)  | 2        |
| StoreError           | the database cannot be opened, migrated or written      | 4        |
| ExtractionError      | one document cannot be read (carries a reason ``code``) | 3        |
| ModelError           | the model artefact is missing, corrupt or incompatible  | 5        |
| CrawlError           | the crawl cannot start (not per-site failures)          | 6        |
| LockError            | another run holds the run lock                          | 7        |
"""

from __future__ import annotations


class KommunprogramError(Exception):
    """Base class; ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class UsageError(KommunprogramError):
    """Bad arguments or input file. Messages name the file, line and problem."""

    exit_code = 2


class ExtractionError(KommunprogramError):
    """A document could not be read. ``code`` is a stable reason code, e.g. ``pdf_encrypted``."""

    exit_code = 3

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class StoreError(KommunprogramError):
    exit_code = 4


class ModelError(KommunprogramError):
    exit_code = 5


class CrawlError(KommunprogramError):
    exit_code = 6


class LockError(KommunprogramError):
    exit_code = 7
