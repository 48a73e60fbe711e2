from __future__ import annotations

import io
import zipfile

import pytest

from crawler.documents import (
    DOCX,
    HTML,
    OTHER,
    PDF,
    filename_from_disposition,
    filename_from_url,
    is_soft_404,
    safe_filename,
    sniff_kind,
)
from crawler.pagescan import app_registry_links, scan_html, search_url
from crawler.sitemaps import parse_sitemap


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("data.csv", "a,b")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("body", "ctype", "url", "kind"),
    [
        (b"%PDF-1.7\n...", "application/octet-stream", "https://x.se/download", PDF),
        (b"%PDF-1.4\n", "text/html", "https://x.se/a", PDF),  # wrong Content-Type, content wins
        (_docx(), "application/octet-stream", "https://x.se/a.bin", DOCX),
        (_zip(), "application/zip", "https://x.se/a.docx", OTHER),  # extension alone is not enough
        (b"<!DOCTYPE html><html><title>x</title>", "application/pdf", "https://x.se/a.pdf", HTML),
        (b"plain text", "text/plain", "https://x.se/a.pdf", OTHER),
    ],
)
def test_sniff_kind_trusts_content(body: bytes, ctype: str, url: str, kind: str) -> None:
    assert sniff_kind(body, ctype, None, url) == kind


def test_soft_404_detection() -> None:
    assert is_soft_404("https://x.se/globalassets/plan.pdf", HTML)
    assert is_soft_404("https://x.se/a", HTML, "Sidan kunde inte hittas - Testby")
    assert not is_soft_404("https://x.se/naringsliv/", HTML, "Näringsliv - Testby")


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("attachment; filename*=UTF-8''N%C3%A4ringslivsprogram%202024.pdf", "Näringslivsprogram 2024.pdf"),
        ('attachment; filename="plan.pdf"; filename*=UTF-8\'\'pl%C3%A5n.pdf', "plån.pdf"),
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ("inline; filename=C:\\Users\\x\\program.pdf", "program.pdf"),
        (b"attachment; filename=\"N\xe4ringsliv.pdf\"", "Näringsliv.pdf"),  # Latin-1 fallback
        ("attachment", None),
    ],
)
def test_filename_from_disposition_never_yields_a_path(header: str | bytes, name: str | None) -> None:
    assert filename_from_disposition(header) == name


def test_filename_from_url_and_safe_names() -> None:
    assert filename_from_url("https://x.se/download/18.a/1/N%C3%A4ringslivsprogram+2024.pdf") == \
        "Näringslivsprogram 2024.pdf"
    assert filename_from_url("https://x.se/globalassets/plan.pdf/download") == "plan.pdf"
    assert safe_filename("..\x00\x1b.hidden") == "hidden"


def test_scan_html_links_blocks_breadcrumb_and_search_form() -> None:
    body = """<html><head><title>Näringsliv - Testby</title></head><body>
    <form action="/sok.html" method="get"><input type="search" name="query"></form>
    <nav class="breadcrumb">Start / Näringsliv</nav><h1>Näringsliv</h1>
    <p><a href="/a.html">A</a> <a href="mailto:x@y.se">mail</a> <a href="#top">top</a></p>
    <div class="sv-file-portlet"><h2>Dokument</h2><a href="/download/18.a/1/p.pdf">Program (pdf, 1 MB)</a></div>
    </body></html>""".encode()
    scan = scan_html(body, "https://x.se/naringsliv/")
    assert scan.title == "Näringsliv - Testby" and scan.breadcrumb == "Start / Näringsliv"
    assert [link.url for link in scan.links] == ["https://x.se/a.html", "https://x.se/download/18.a/1/p.pdf"]
    assert scan.links[1].block.startswith("dokument")
    assert scan.search_template == "https://x.se/sok.html?query={}"
    assert search_url(scan.search_template, "näringslivsprogram") == \
        "https://x.se/sok.html?query=n%C3%A4ringslivsprogram"


def test_app_registry_json_files_become_links() -> None:
    body = b"""<script>AppRegistry.registerInitialState('12.4b05d41f', {"files":[
    {"id":"18.1","name":"N\\u00e4ringslivsprogram 2024.pdf","url":"/download/18.1/17/Naringslivsprogram.pdf"}],
    "other":{"x":1}});</script>"""
    links = app_registry_links(body, "https://x.se/p.html")
    assert [(link.url, link.anchor) for link in links] == [
        ("https://x.se/download/18.1/17/Naringslivsprogram.pdf", "Näringslivsprogram 2024.pdf")]


def test_parse_sitemap_urlset_index_gzip_and_cap() -> None:
    import gzip

    urlset = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + b"".join(
        f"<url><loc>https://x.se/p{i}</loc></url>".encode() for i in range(20)) + b"</urlset>"
    content = parse_sitemap(gzip.compress(urlset), max_urls=5)
    assert content.kind == "urlset" and len(content.locs) == 5
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             b"<sitemap><loc>https://x.se/s1.xml.gz</loc></sitemap></sitemapindex>")
    assert parse_sitemap(index).locs == ("https://x.se/s1.xml.gz",)
    assert parse_sitemap(b"<html>not a sitemap").kind == "invalid"
    bomb = gzip.compress(b"<" + b" " * 2_000_000)
    assert parse_sitemap(bomb, max_bytes=1_000_000).kind == "invalid"
