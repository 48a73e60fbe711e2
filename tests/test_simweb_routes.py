"""simweb.routes: search, facets, charsets, document headers and other behaviour, called without sockets."""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from simweb.config import TRAP_FAMILIES, SimConfig
from simweb.faults import latency_ms
from simweb.generate import generate
from simweb.routes import Web

Env = tuple[Web, dict[str, Any]]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    cfg = SimConfig.for_tests(
        traps={n: 1.0 for n in TRAP_FAMILIES}, platform_mix={p: 1.0 for p in SimConfig().platform_mix},
        search_500_non_utf8=1.0, legacy_latin1=1.0, content_disposition=1.0, wrong_content_type=0.0,
    )  # fmt: skip
    d = generate(tmp_path_factory.mktemp("routes"), sites=24, seed=21, config=cfg)
    truth = json.loads((d / "truth.json").read_text(encoding="utf-8"))
    return Web(d, truth["nominal_port"], cfg), truth


def _target(url: str) -> str:
    p = urlsplit(url)
    return p.path + (f"?{p.query}" if p.query else "")


def _live(truth: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in truth["sites"].values() if not s["faults"]["down"]]


def test_search_pages_ten_hits_at_a_time_and_finds_document_text(env: Env) -> None:
    web, truth = env
    site = next(s for s in _live(truth) if s["platform"] == "sv_html")
    s = site["search"]
    first = web.route(site["code"], "GET", f"{s['path']}?{s['param']}=och", 1)
    assert first.status == 200
    results = first.body.split("Sökresultat".encode())[1]
    hits = re.findall(rb"<li><a href", results.split(b"<ol>")[1].split(b"</ol>")[0])
    assert len(hits) == 10 and b"startAtHit=10" in first.body
    # a word of the programme document's text (not of its title) finds the document
    site = next(
        s for s in _live(truth) if any(p["kind"] in ("pdf", "docx") and p["reachability"] == "link"
                                       for p in s["programmes"])
    )  # fmt: skip
    s = site["search"]
    prog = next(p for p in site["programmes"] if p["kind"] in ("pdf", "docx") and p["reachability"] == "link")
    doc = next(d for d in web.sites[site["code"]].docs if d["role"] == "programme" and d["title"] == prog["title"])
    word = next(w for w in doc["text"].split() if len(w) > 9 and w.isalpha() and w not in doc["title"])
    found = web.route(site["code"], "GET", f"{s['path']}?{s['param']}={quote(word)}", 1)
    assert urlsplit(prog["urls"][0]).path.encode() in found.body


def test_search_with_broken_encoding(env: Env) -> None:
    web, truth = env
    modern = next(s for s in _live(truth) if s["platform"] != "legacy")
    s = modern["search"]
    assert web.route(modern["code"], "GET", f"{s['path']}?{s['param']}=n%E4ringsliv", 1).status == 500
    assert web.route(modern["code"], "GET", f"{s['path']}?{s['param']}=n%C3%A4ringsliv", 1).status == 200
    legacy = next((s for s in _live(truth) if s["platform"] == "legacy"), None)
    if legacy is not None:  # legacy accepts Latin-1 percent-encoding and answers in ISO-8859-1
        s = legacy["search"]
        resp = web.route(legacy["code"], "GET", f"{s['path']}?{s['param']}=n%E4ringsliv", 1)
        assert resp.status == 200 and "näringsliv".encode("latin-1") in resp.body
        assert dict(resp.headers)["Content-Type"] == "text/html; charset=iso-8859-1"
        assert b'<meta charset="utf-8">' in resp.body  # the header/meta mismatch of old sites


def test_facets_list_documents_by_type_and_keep_paging(env: Env) -> None:
    web, truth = env

    def in_library(code: str) -> str | None:
        rt = web.sites[code]
        cats = [p for p in rt.pages if p["parent"] == rt.m["styr"]]
        ids = {i for c in cats for i in c["docs"]}
        return next((d["path"] for d in rt.docs if d["role"] == "programme" and d["id"] in ids), None)

    site = next(s for s in _live(truth) if in_library(s["code"]))
    path = in_library(site["code"])
    assert path is not None
    hits = [
        t
        for t in ("Program", "Strategi", "Plan", "Policy", "Övrigt")
        if path.encode() in web.route(site["code"], "GET", f"/dokumentbibliotek?typ={quote(t)}", 1).body
    ]
    assert len(hits) == 1
    resp = web.route(site["code"], "GET", "/dokumentbibliotek?typ=Riktlinje&lp-page=7", 1)
    assert resp.status == 200 and resp.trap == "facets" and b"lp-page=8" in resp.body


def test_documents_carry_disposition_and_last_modified(env: Env) -> None:
    web, truth = env
    site = next(s for s in _live(truth) if s["programmes"] and s["programmes"][0]["kind"] in ("pdf", "docx"))
    resp = web.route(site["code"], "GET", _target(site["programmes"][0]["urls"][0]), 1)
    headers = dict(resp.headers)
    assert re.fullmatch(r"attachment; filename=\"[ -~]+\"; filename\*=UTF-8''\S+", headers["Content-Disposition"])
    assert quote(site["programmes"][0]["filename"]) in headers["Content-Disposition"]
    assert resp.last_modified and resp.body[:4] in (b"%PDF", b"PK\x03\x04")


def test_json_only_files_are_valid_json_without_anchor(env: Env) -> None:
    web, truth = env
    site = next(s for s in _live(truth) if any(p["reachability"] == "json_only" for p in s["programmes"]))
    hub = web.route(site["code"], "GET", _target(site["hub_pages"][0]), 1).body.decode()
    state = re.search(r"AppRegistry\.registerInitialState\('12\.[0-9a-f]+',(\{.*?\})\);</script>", hub)
    assert state
    files = json.loads(state.group(1).replace("<\\/", "</"))["files"]
    url = next(p["urls"][0] for p in site["programmes"] if p["reachability"] == "json_only")
    assert any(f["url"] == url for f in files)
    assert f'href="{urlsplit(url).path}"' not in hub


def test_news_years_print_view_and_robots_sitemap_line(env: Env) -> None:
    web, truth = env
    site = _live(truth)[0]
    year = truth["inventory_year"]
    assert web.route(site["code"], "GET", f"/nyheter/arkiv/{year}/", 1).status == 200
    assert web.route(site["code"], "GET", f"/nyheter/arkiv/{year - 5}/", 1).status == 410
    home = web.route(site["code"], "GET", "/" if site["platform"] != "legacy" else "/default.aspx", 1)
    hub = _target(site["hub_pages"][0]) if site["hub_pages"] else "/"
    printed = web.route(site["code"], "GET", hub + ("&" if "?" in hub else "?") + "print=true", 1)
    assert printed.trap == "print_share" and b"megamenu" not in printed.body and b"megamenu" in home.body
    robots = web.route(site["code"], "GET", "/robots.txt", 1)
    if robots.status == 200 and b"Sitemap:" in robots.body:
        assert f"Sitemap: {web.origin(site['code'])}/sitemap.xml".encode() in robots.body


def test_latency_is_per_host_lognormal_within_bounds() -> None:
    values = [latency_ms((20, 300), f"host{i}", "/", 1) for i in range(3000)]
    assert min(values) >= 20 and max(values) <= 300
    median = sorted(values)[len(values) // 2]
    assert 55 < median < 100  # geometric mean of the bounds is 77 ms: most hosts are fast
    assert latency_ms((0, 0), "h", "/", 1) == 0 and latency_ms((50, 50), "h", "/", 1) == 50
    same_host = [latency_ms((20, 300), "slow", f"/{i}", 1) for i in range(200)]
    assert max(same_host) / min(same_host) < 1.6  # jitter, not a new level per request


def test_every_page_is_served_as_itself_whatever_its_url_style(env: Env) -> None:
    """Including WordPress plain permalinks (/?page_id=N) and legacy ?di=N: the query names the page."""
    web, truth = env
    styles: set[str] = set()
    for site in _live(truth):
        rt = web.sites[site["code"]]
        pages = [p for p in rt.pages if p["host"] == "main" and p["kind"] in ("page", "section", "hub")]
        for p in pages[:: max(1, len(pages) // 25)] + [p for p in pages if "?" in p["path"]][:5]:
            resp = web.route(site["code"], "GET", p["path"], 1)
            assert resp.status == 200, (site["code"], p["path"])
            charset = "latin-1" if "iso-8859-1" in dict(resp.headers)["Content-Type"] else "utf-8"
            assert f"<h1>{escape(p['title'])}</h1>" in resp.body.decode(charset), (site["code"], p["path"])
            styles.add(re.sub(r"\d+", "N", p["path"]) if "?" in p["path"] else "path")
    assert {"/?page_id=N", "/default.aspx?di=N", "path"} <= styles


# ---------------------------------------------------------------- hosts and URL styles (§1.2, §2.5)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Env:
    cfg = SimConfig.for_tests(
        ensure_coverage=False, site_down=0.0, nonwww_twin=1.0, nonwww_home_redirect=0.5, nonwww_listed=1.0,
        url_style_mix=1.0, wp_cms_host=1.0, platform_mix={p: 1.0 for p in SimConfig().platform_mix},
        scenario_probs={"P1": 1.0, "P2": 0.5, "P4": 0.5}, robots_blocked_programme=0.0,
    )  # fmt: skip
    d = generate(tmp_path_factory.mktemp("mixed"), sites=16, seed=5, config=cfg)
    truth = json.loads((d / "truth.json").read_text(encoding="utf-8"))
    return Web(d, truth["nominal_port"], cfg), truth


def test_nonwww_twins_redirect_to_the_same_path_or_oskarshamn_style_to_home(mixed: Env) -> None:
    web, truth = mixed
    kinds = set()
    csv_text = (web.dir / "municipalities.csv").read_text(encoding="utf-8")
    for site in truth["sites"].values():
        assert site["nonwww"]["present"] and site["nonwww"]["listed"]
        twin, main = site["hosts"]["twin"], site["hosts"]["main"]
        assert site["website"] == twin + "/" and site["url"] == main + "/" and f",{twin}/\n" in csv_text
        deep = _target(site["hub_pages"][0])
        for target in ("/", deep, "/robots.txt"):
            resp = web.route(f"{site['code']}-nonwww", "GET", target, 1)
            location = dict(resp.headers)["Location"]
            if site["nonwww"]["home_redirect"]:
                assert (resp.status, location) == (302, main + "/")
            else:
                assert (resp.status, location) == (301, main + target)
        kinds.add(site["nonwww"]["home_redirect"])
    assert kinds == {True, False}


def _page_style(path: str) -> str:
    if re.fullmatch(r"/default\.aspx\?di=\d+", path):
        return "legacy"
    if re.search(r"\.4\.[0-9a-f]{22}\.html$", path):
        return "sv_old"
    if re.search(r"\.\d+\.html$", path):
        return "sv_short"
    if path.endswith(".html"):
        return "sv_html"
    return "slash" if path.endswith("/") or "?page_id=" in path else "sv_new"


def _doc_style(path: str) -> str:
    for prefix, style in (("/download/18.", "sv"), ("/wp-content/uploads/", "wp"), ("/media/", "umb"),
                          ("/upload/", "legacy")):  # fmt: skip
        if path.startswith(prefix):
            return style
    return "epi" if re.search(r"/(?:globalassets|contentassets)/", path) else "?"


PAGE_STYLE = {"sv_old": "sv_old", "sv_short": "sv_short", "sv_html": "sv_html", "sv_new": "sv_new",
              "legacy": "legacy", "epi": "slash", "umb": "slash", "wp": "slash"}  # fmt: skip
DOC_STYLE = {"sv_old": "sv", "sv_short": "sv", "sv_html": "sv", "sv_new": "sv", "legacy": "legacy",
             "epi": "epi", "umb": "umb", "wp": "wp"}  # fmt: skip


def test_mixed_sites_keep_a_second_url_style_in_one_section_and_serve_it(mixed: Env) -> None:
    web, truth = mixed
    pairs = set()
    for site in truth["sites"].values():
        primary, second = site["url_styles"]
        rt = web.sites[site["code"]]
        main = [p for p in rt.pages if p["host"] == "main" and p["kind"] != "home"]
        old = [p for p in main if p.get("style")]
        assert old and {p["style"] for p in old} == {second}
        # the old section is one subtree: every page of it hangs under another page of it or a top section
        top = {p["id"] for p in main if p["parent"] == rt.m["home"]}
        assert all(p["parent"] in {q["id"] for q in old} | top for p in old)
        for p in [*old[:20], *[q for q in main if not q.get("style")][:: max(1, len(main) // 20)]]:
            style = p.get("style", primary)
            if p["kind"] in ("page", "hub", "section", "category") and p["parent"] != rt.m["home"]:
                assert _page_style(p["path"]) == PAGE_STYLE[style], (site["code"], style, p["path"])
            resp = web.route(site["code"], "GET", p["path"], 1)
            charset = "latin-1" if "iso-8859-1" in dict(resp.headers)["Content-Type"] else "utf-8"
            assert resp.status == 200, (site["code"], p["path"])
            if p["kind"] not in ("calendar", "newsarchive"):  # those render their own headings
                assert f"<h1>{escape(p['title'])}</h1>" in resp.body.decode(charset), (site["code"], p["path"])
        for d in rt.docs:
            if d["host"] in ("main", "cms") and d["role"] != "decoy":
                assert _doc_style(d["path"]) == DOC_STYLE[d.get("style", primary)], (site["code"], d["path"])
        pairs.add((primary, second))
    assert len(pairs) >= 6


def test_wordpress_cms_host_serves_the_uploads_the_pages_link(mixed: Env) -> None:
    web, truth = mixed
    sites = [s for s in truth["sites"].values() if "cms" in s["hosts"]]
    assert sites and all(s["platform"] == "wp" for s in sites)
    for site in sites:
        cms, key = site["hosts"]["cms"], f"{site['code']}-cms"
        progs = [p for p in site["programmes"] if p["kind"] != "html"]
        for prog in progs:
            if urlsplit(prog["urls"][0]).path.startswith("/wp-content/uploads/"):
                assert all(u.startswith(cms + "/wp-content/uploads/") for u in prog["urls"]), prog["urls"]
                resp = web.route(key, "GET", _target(prog["urls"][0]), 1)
                assert resp.status == 200 and resp.body[:4] in (b"%PDF", b"PK\x03\x04")
                if prog["reachability"] == "link":
                    hub = web.route(site["code"], "GET", _target(site["hub_pages"][0]), 1)
                    assert any(u.encode() in hub.body for u in prog["urls"])
                # WordPress search also finds the cms.-hosted file, by a word of its text
                doc = next(d for d in web.sites[site["code"]].docs if d["title"] == prog["title"])
                word = next(w for w in doc["text"].split() if len(w) > 9 and w.isalpha())
                s = site["search"]
                found = web.route(site["code"], "GET", f"{s['path']}?{s['param']}={quote(word)}", 1)
                assert prog["urls"][0].encode() in found.body
        assert web.route(key, "GET", "/", 1).status == 302
        assert b"Disallow: /wp-admin/" in web.route(key, "GET", "/robots.txt", 1).body
        assert web.route(key, "GET", "/wp-content/uploads/finns-inte.pdf", 1).status == 404
    assert any(p["kind"] != "html" for s in sites for p in s["programmes"])
