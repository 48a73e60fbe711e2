"""Sitemaps (urlset, index, gzip) read into capped URL lists (pure)."""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass

from scrapy.utils.sitemap import Sitemap

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit; more is a bomb


@dataclass(frozen=True)
class SitemapContent:
    kind: str  # urlset | sitemapindex | invalid
    locs: tuple[str, ...]


def _gunzip(body: bytes, limit: int) -> bytes | None:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as gz:
            data = gz.read(limit + 1)
    except (OSError, EOFError):
        return None
    return data if len(data) <= limit else None


def parse_sitemap(body: bytes, *, max_urls: int = 5000, max_bytes: int = MAX_SITEMAP_BYTES) -> SitemapContent:
    """Read a sitemap or index (gzipped or not); at most ``max_urls`` locations are returned."""
    if body[:2] == b"\x1f\x8b":
        unzipped = _gunzip(body, max_bytes)
        if unzipped is None:
            return SitemapContent("invalid", ())
        body = unzipped
    if b"<" not in body[:512]:
        return SitemapContent("invalid", ())
    try:
        sitemap = Sitemap(body)
    except Exception:  # lxml raises several types on broken XML; a bad sitemap is just skipped
        return SitemapContent("invalid", ())
    if sitemap.type not in ("urlset", "sitemapindex"):
        return SitemapContent("invalid", ())
    locs: list[str] = []
    for entry in sitemap:
        loc = (entry.get("loc") or "").strip()
        if loc:
            locs.append(loc)
            if len(locs) >= max_urls:
                break
    return SitemapContent(str(sitemap.type), tuple(locs))
