"""simweb.serve: the loopback server over real sockets (keep-alive, HEAD, 304s, robots, sitemaps, shutdown)."""

from __future__ import annotations

import gzip
import http.client
import io
import shutil
import socket
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pypdfium2 as pdfium
import pytest
from docx import Document
from lxml import etree
from protego import Protego

from simweb.config import SimConfig
from simweb.generate import generate
from simweb.serve import SimWeb

UA = "kommunprogram-test/0.1 (+http://127.0.0.1/)"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def web_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cfg = SimConfig.for_tests(sitemap_present=1.0, sitemap_gz_index=0.5, robots_missing=0.0)
    return generate(tmp_path_factory.mktemp("web"), sites=18, seed=11, config=cfg)


@pytest.fixture(scope="module")
def web(web_dir: Path) -> Any:
    with SimWeb(web_dir, faults=False) as w:
        yield w


def get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers={"User-Agent": UA, **(headers or {})}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, dict(err.headers), err.read()


def live_sites(web: SimWeb) -> list[dict[str, Any]]:
    return [s for s in web.truth["sites"].values() if not s["faults"]["down"]]


def test_every_site_serves_its_home_over_keep_alive(web: SimWeb) -> None:
    for site in live_sites(web):
        parts = urlsplit(site["url"])
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            for _ in range(2):  # two requests on one connection
                conn.request("GET", "/", headers={"User-Agent": UA})
                resp = conn.getresponse()
                body = resp.read()
                assert resp.status in (200, 302), site["code"]
        finally:
            conn.close()
        if resp.status == 200:
            assert b"<nav" in body and site["name"].encode() in body.replace(b"&#", b"")


def test_down_sites_refuse_connections(web: SimWeb) -> None:
    down = [s for s in web.truth["sites"].values() if s["faults"]["down"]]
    assert down
    for site in down:
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(site["url"], timeout=5)


def test_truth_urls_use_the_served_port_and_csv_points_at_them(web: SimWeb) -> None:
    truth = web.truth
    assert truth["served_port"] == web.port
    csv_text = web.municipalities_csv.read_text(encoding="utf-8")
    for code, site in truth["sites"].items():
        assert site["url"] == web.site_url(code)
        assert f",{site['website']}\n" in csv_text and f":{web.port}/" in site["website"]
        for p in site["programmes"]:
            assert all(f":{web.port}/" in u for u in p["urls"])


def test_programme_documents_are_served_with_their_text(web: SimWeb) -> None:
    seen_kinds = set()
    for site in live_sites(web):
        for prog in site["programmes"]:
            for url in prog["urls"]:
                status, headers, body = get(url)
                assert status == 200, url
                seen_kinds.add(prog["kind"])
                words = [w for w in prog["title_lines"][-1].split() if len(w) > 3][:3]
                if prog["kind"] == "pdf":
                    text = "".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(body))
                    flat = " ".join(text.split())
                    assert all(w in flat for w in words), (words, flat[:200])
                    if prog["adopted_by"]:
                        assert prog["diarienummer"] in flat or prog["adopted_date"] in flat
                elif prog["kind"] == "scanned_pdf":
                    pdf = pdfium.PdfDocument(body)
                    assert len(pdf) >= 1
                    assert "".join(p.get_textpage().get_text_range() for p in pdf).strip() == ""
                elif prog["kind"] == "docx":
                    text = "\n".join(par.text for par in Document(io.BytesIO(body)).paragraphs)
                    assert all(w in text for w in words)
                else:
                    assert "text/html" in headers["Content-Type"]
                    assert prog["title"].split()[0].encode() in body
    assert {"pdf", "html", "docx", "scanned_pdf"} <= seen_kinds


def test_decoys_and_hub_pages_are_reachable(web: SimWeb) -> None:
    for site in live_sites(web):
        for url in [u for d in site["decoys"] for u in d["urls"]] + site["hub_pages"]:
            status, _, _ = get(url)
            assert status == 200, url


def test_head_and_conditional_requests(web: SimWeb) -> None:
    site = next(s for s in live_sites(web) if s["programmes"] and s["programmes"][0]["kind"] == "pdf")
    url = site["programmes"][0]["urls"][0]
    status, headers, body = get(url)
    status_h, headers_h, body_h = get(url, method="HEAD")
    assert status_h == 200 and body_h == b"" and headers_h["Content-Length"] == str(len(body))
    assert get(url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert get(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert get(url, {"If-None-Match": '"other"'})[0] == 200


def test_robots_txt_parses_and_blocks_what_truth_says(web: SimWeb) -> None:
    blocked_seen = 0
    for site in live_sites(web):
        status, _, body = get(site["url"] + "robots.txt")
        if not site["robots_present"]:
            assert status == 404 or b"Sidan kunde inte hittas" in body
            continue
        assert status == 200
        rp = Protego.parse(body.decode())
        assert rp.can_fetch(site["url"], "kommunprogram")
        for prog in site["programmes"]:
            allowed = [rp.can_fetch(u, "kommunprogram") for u in prog["urls"]]
            if prog["reachability"] == "robots_blocked":
                blocked_seen += 1
                assert not any(allowed)
            elif prog["reachability"] != "offsite":
                assert all(allowed), prog["urls"]
    assert blocked_seen


def _locs(xml: bytes) -> list[str]:
    return [e.text or "" for e in etree.fromstring(xml).iter(f"{SM}loc")]


def test_sitemaps_parse_including_gzipped_indexes(web: SimWeb) -> None:
    kinds = set()
    for site in live_sites(web):
        status, _, body = get(site["url"] + "sitemap.xml")
        assert status == 200
        root = etree.fromstring(body)
        if root.tag == f"{SM}sitemapindex":
            kinds.add("index")
            pages: list[str] = []
            for child in _locs(body):
                st, headers, gz = get(child)
                assert st == 200 and headers["Content-Type"] == "application/x-gzip"
                pages += _locs(gzip.decompress(gz))
        else:
            kinds.add("urlset")
            pages = _locs(body)
        assert site["url"] in pages
        for prog in site["programmes"]:
            if prog["reachability"] == "search_only":
                assert not set(prog["urls"]) & set(pages)
    assert kinds == {"index", "urlset"}


def test_site_search_finds_documents_by_their_text(web: SimWeb) -> None:
    for site in live_sites(web):
        search = site["search"]
        for prog in site["programmes"]:
            if prog["reachability"] != "search_only":
                continue
            word = next(w for w in prog["title"].split() if len(w) > 8)
            url = f"{site['url'].rstrip('/')}{search['path']}?{search['param']}={quote(word)}"
            status, _, body = get(url)
            assert status == 200
            assert any(urlsplit(u).path.encode() in body for u in prog["urls"]) or any(
                urlsplit(u).path.encode().replace(b"&", b"&amp;") in body for u in prog["urls"]
            )


def test_request_log_and_robots_violations(web: SimWeb) -> None:
    site = next(s for s in live_sites(web) for p in s["programmes"] if p["reachability"] == "robots_blocked")
    url = next(p["urls"][0] for p in site["programmes"] if p["reachability"] == "robots_blocked")
    before = len(web.robots_violations())
    get(url)
    after = web.robots_violations()
    assert len(after) == before + 1 and after[-1].target == urlsplit(url).path
    assert after[-1].user_agent == UA and after[-1].status == 200


def test_a_listed_oskarshamn_twin_leads_every_path_to_the_www_home(tmp_path: Path) -> None:
    cfg = SimConfig.for_tests(
        ensure_coverage=False, site_down=0.0, nonwww_twin=1.0, nonwww_home_redirect=1.0, nonwww_listed=1.0
    )
    with SimWeb(generate(tmp_path, sites=2, seed=4, config=cfg), faults=False) as w:
        rows = w.municipalities_csv.read_text(encoding="utf-8").splitlines()[1:]
        for row, site in zip(rows, w.truth["sites"].values(), strict=True):
            website = row.split(",")[-1]
            assert website == site["website"] != site["url"]
            for path in ("", "robots.txt", urlsplit(site["hub_pages"][0]).path.lstrip("/")):
                req = urllib.request.Request(website + path, headers={"User-Agent": UA})
                with urllib.request.urlopen(req, timeout=10) as r:  # follows the 302
                    assert r.status == 200 and r.url in (site["url"], site["url"] + "default.aspx"), path
        assert {r.status for r in w.request_log if r.host.endswith("-nonwww")} == {302}


def test_clean_shutdown_frees_threads_and_ports(web_dir: Path) -> None:
    before = {t.ident for t in threading.enumerate()}
    w = SimWeb(web_dir, faults=False)
    w.start()
    url = w.site_url(next(s["code"] for s in w.truth["sites"].values() if not s["faults"]["down"]))
    conn = http.client.HTTPConnection(urlsplit(url).hostname, w.port, timeout=5)
    conn.request("GET", "/")  # an idle keep-alive connection left open on purpose
    conn.getresponse().read()
    port = w.port
    w.stop()
    conn.close()
    assert {t.ident for t in threading.enumerate()} <= before
    with pytest.raises(OSError):
        socket.create_connection((urlsplit(url).hostname, port), timeout=2).close()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # closed connections may linger in TIME_WAIT
    try:
        s.bind((urlsplit(url).hostname, port))  # no listener is left on that address and port
    finally:
        s.close()
    with SimWeb(web_dir, faults=False, port=port) as again:  # and the whole web can be served there again
        assert again.port == port and get(url)[0] in (200, 302)


def test_truth_is_read_once_per_served_port(web_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "web"
    shutil.copytree(web_dir, copy)
    w = SimWeb(copy, faults=False)
    w.start()
    try:
        first = w.truth
        (copy / "truth.json").unlink()  # a second access must not read the file again
        assert w.truth is first and first["served_port"] == w.port
        assert all(f":{w.port}/" in s["url"] for s in first["sites"].values())
    finally:
        w.stop()
    (copy / "truth.json").write_bytes((web_dir / "truth.json").read_bytes())
    w.requested_port = 0
    w.start()  # served again, maybe on another port: rewritten for that one
    try:
        assert w.truth["served_port"] == w.port
        assert all(f":{w.port}/" in s["url"] for s in w.truth["sites"].values())
    finally:
        w.stop()
