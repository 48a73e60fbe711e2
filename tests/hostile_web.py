"""A hostile local web for ``make test-hostile`` (issue 16): sites that stall, lie, flood, loop and explode.

Every site is a dict of routes served on a loopback address, port 0 (``HostileSite``, IPv6 ``::1`` too).
A route is a ``crawlserver`` reply or a function of the request handler; a function may write raw bytes
to the socket itself (a header trickle, a 100 GB ``Content-Length``) and return None. ``TreeMemory``
samples the resident memory of this process and all its descendants (the crawl child, the extraction
workers) while a case runs.
"""

from __future__ import annotations

import gzip
import io
import os
import socket
import threading
import time
import zlib
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import brotli
from crawlserver import Handler, Reply, SiteServer, page

MIB = 1024 * 1024
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


class _Server6(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class HostileSite(SiteServer):
    """``crawlserver.SiteServer`` on IPv4 or IPv6 loopback."""

    def __enter__(self) -> HostileSite:
        site = self

        class _Handler(Handler):
            owner = site

        cls = _Server6 if ":" in self.address else ThreadingHTTPServer
        self.server = cls((self.address, 0), _Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"http://{host}:{self.server.server_address[1]}/"


# -- hostile answers ---------------------------------------------------------------------------------------
def slow(seconds: float, reply: Reply) -> Callable[[Handler], Reply]:
    def route(handler: Handler) -> Reply:
        time.sleep(seconds)  # the server stalls on purpose; the crawler's time-out must end the wait
        return reply
    return route


def trickle(seconds: float) -> Callable[[Handler], None]:
    """Status line and headers one byte at a time, never finished within ``seconds``."""
    def route(handler: Handler) -> None:
        data = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Padding: " + b"a" * 200
        step = seconds / len(data)
        try:
            for byte in data:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(step)
        except OSError:
            pass  # the crawler gave up and closed the connection, as it should
    return route


def huge_length(handler: Handler) -> None:
    """Announces 100 GB and sends a few bytes."""
    try:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000000000\r\n\r\n"
                            + b"<html>" * 1000)
        handler.wfile.flush()
    except OSError:
        pass


def bomb(encoding: str, inflated: int) -> Reply:
    """``inflated`` bytes of HTML-looking zeros, compressed with ``encoding`` (gzip, deflate, br)."""
    raw = b"<html><body>" + b"0" * inflated
    body = {"gzip": lambda d: gzip.compress(d, 9), "deflate": lambda d: zlib.compress(d, 9),
            "br": lambda d: brotli.compress(d, quality=5)}[encoding](raw)
    return 200, {"Content-Encoding": encoding}, body


def sitemap_bomb(entries: int) -> Reply:
    urls = "".join(f"<url><loc>http://example.invalid/sida/{i}</loc></url>" for i in range(entries))
    xml = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    return 200, {"Content-Type": "application/x-gzip"}, gzip.compress(xml.encode(), 9)


def calendar_trap(handler: Handler) -> Reply:
    """Every calendar day links to the next one, and every list page to the next page: without end."""
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(handler.path).query)
    day = int(query.get("date", ["0"])[0])
    sida = int(query.get("sida", ["0"])[0])
    return page("Kalender", (f"/kalender?date={day + 1}", "Nästa dag"), (f"/nyheter?sida={sida + 1}", "Nästa sida"),
                (f"/a/a/a/{day}/", "Mer"))


def big_html(size: int) -> Reply:
    filler = b"<p>" + b"Kommunen informerar om sina tjanster. " * (size // 40) + b"</p>"
    return 200, {}, b"<html><head><title>Startsida</title></head><body>" + filler + b"</body></html>"


PDF_LINK = ("/dokument/naringslivsprogram-2025-2028.pdf", "Näringslivsprogram 2025–2028")


def pdf_reply(size: int = 2000) -> Reply:
    return 200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n" + b"0" * size + b"\n%%EOF\n"


def robots(extra: str = "") -> Reply:
    return 200, {"Content-Type": "text/plain"}, f"User-agent: *\nDisallow:\n{extra}".encode()


# -- hostile documents for extraction ---------------------------------------------------------------------
def docx_zip_bomb(inflated: int) -> bytes:
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<w:document>" + b" " * inflated + b"</w:document>")
    return out.getvalue()


def docx_entity_bomb() -> bytes:
    import zipfile

    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY l0 "lol">{lol}]>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           "<w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", xml)
    return out.getvalue()


def programme_pdf(encrypt: Any = None) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, encrypt=encrypt)
    pdf.drawString(72, 760, "Näringslivsprogram för Testby kommun 2025–2028")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


# -- memory of the process tree ----------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            out += [int(p) for p in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    except OSError:
        pass
    return out


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and every descendant right now."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            continue
        todo += _children(pid)
    return total


class TreeMemory:
    """Samples ``tree_rss`` of this process every ``interval`` seconds on a thread; ``peak`` in bytes."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.start = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(os.getpid()))
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self.start = self.peak = tree_rss(os.getpid())  # the test runner itself, before the case
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss(os.getpid()))
