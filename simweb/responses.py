"""What the simulated web answers: one ``Response`` type and the helpers that make the usual ones."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    trap: str | None = None
    last_modified: int | None = None
    etag: bool = True
    etag_value: str | None = None


def day_timestamp(date: str) -> int:
    """Midnight UTC of a YYYY-MM-DD day, as a Unix time (a page's Last-Modified)."""
    return int(datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=UTC).timestamp())


def html_response(
    text: str, *, charset: str = "utf-8", trap: str | None = None, status: int = 200, last_modified: int | None = None
) -> Response:
    body = text.encode(charset, "xmlcharrefreplace")
    return Response(status, body, [("Content-Type", f"text/html; charset={charset}")], trap, last_modified)


def redirect(location: str, status: int = 302, trap: str | None = None) -> Response:
    return Response(status, b"", [("Location", location)], trap, etag=False)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'


def http_date(ts: int) -> str:
    return formatdate(ts, usegmt=True)
