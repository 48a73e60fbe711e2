"""Shared fixtures: where the labelled corpus is, and the repository root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def corpus_path() -> Path:
    """The shared labelled corpus (never copied into the repo); KOMMUNPROGRAM_CORPUS overrides."""
    return Path(os.environ.get("KOMMUNPROGRAM_CORPUS", ROOT.parent / "shared" / "corpus" / "dev.jsonl"))


@pytest.fixture
def corpus() -> Path:
    path = corpus_path()
    if not path.is_file():
        pytest.skip(f"labelled corpus not found at {path}")
    return path
