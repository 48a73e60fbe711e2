"""``python -m simweb generate|serve`` (the same app as ``kommunprogram simweb``)."""

from __future__ import annotations

from .cli import app

app()
