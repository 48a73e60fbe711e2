"""Every programme is reachable exactly as truth.json says, and every enabled trap family is reachable."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from protego import Protego

from simweb.config import TRAP_FAMILIES, SimConfig
from simweb.generate import generate
from simweb.linkwalk import target_of, walk
from simweb.routes import Web

ALL_TRAPS = {name: 1.0 for name in TRAP_FAMILIES}


def strip_session(url: str) -> str:
    return re.sub(r";jsessionid=[0-9A-F]+", "", url)


def no_traps(url: str) -> bool:
    """Follow plain links only (legacy ?di= page ids are plain links; no /sida/sida/, no portlet aliases)."""
    parts = urlsplit(url)
    if "sida/" in parts.path or re.match(r"/4\.[0-9a-f]+/12\.", parts.path):
        return False
    return not parts.query or re.fullmatch(r"(?:di|page_id)=\d+", parts.query) is not None


def new_shape() -> Callable[[str], bool]:
    """Follow a URL only if its shape (digits folded, query keys only) is new: explores every kind of
    link once instead of drowning in one endless family."""
    shapes: set[str] = set()

    def follow(url: str) -> bool:
        parts = urlsplit(url)
        keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
        path = re.sub(r";jsessionid=[0-9A-F]+", ";jsessionid", parts.path)
        shape = parts.netloc + path + "?" + "&".join(keys)
        if shape in shapes:
            return False
        shapes.add(shape)
        return True

    return follow


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> tuple[Web, dict[str, Any]]:
    # every platform, so that the platform-bound traps (Sitevision state, legacy redirects) appear
    # and with mixed URL styles, cms. document hosts and non-www twins everywhere they can be
    cfg = SimConfig.for_tests(
        traps=ALL_TRAPS, platform_mix={p: 1.0 for p in SimConfig().platform_mix}, sitemap_present=1.0,
        url_style_mix=1.0, wp_cms_host=1.0, nonwww_twin=1.0,
    )  # fmt: skip
    d = generate(tmp_path_factory.mktemp("walk"), sites=24, seed=7, config=cfg)
    truth = json.loads((d / "truth.json").read_text(encoding="utf-8"))
    return Web(d, truth["nominal_port"], cfg), truth


def test_reachability_matches_truth(web: tuple[Web, dict[str, Any]]) -> None:
    w, truth = web
    checked = set()
    for code, site in truth["sites"].items():
        hosts = {code} | ({f"{code}-business"} if "business" in site["hosts"] else set())
        found = walk(w, code, limit=3000, hosts=hosts, follow=no_traps, normalise=strip_session).seen
        home = w.route(code, "GET", target_of(site["hub_pages"][0]) if site["hub_pages"] else "/", 1)
        robots = w.route(code, "GET", "/robots.txt", 1)
        rp = Protego.parse(robots.body.decode()) if robots.status == 200 and b"<html" not in robots.body else None
        for prog in site["programmes"]:
            reach, urls = prog["reachability"], prog["urls"]
            linked = any(u in found for u in urls)
            checked.add(reach)
            if reach in ("link", "offsite", "robots_blocked"):
                assert linked, (code, reach, urls)
            else:
                assert not linked, (code, reach, urls)
            if reach == "offsite":
                assert all(urlsplit(u).hostname == urlsplit(site["hosts"]["business"]).hostname for u in urls)
            if reach == "robots_blocked":
                assert rp is not None and not any(rp.can_fetch(u, "kommunprogram") for u in urls)
            if reach == "json_only":
                assert b"AppRegistry.registerInitialState" in home.body
                assert urlsplit(urls[0]).path.encode() in home.body.replace(b"\\/", b"/")
    assert checked >= {"link", "offsite", "search_only", "json_only", "robots_blocked"}


def test_every_enabled_trap_family_is_reachable_by_links(web: tuple[Web, dict[str, Any]]) -> None:
    w, truth = web
    seen: set[str] = set()
    enabled: set[str] = set()
    for code, site in truth["sites"].items():
        enabled |= set(site["trap_families"])
        result = walk(w, code, limit=300, follow=new_shape())
        seen |= set(result.traps)
        if "sister" in site["hosts"]:  # linked from a utility page; walking that host too would eat the budget
            rt = w.sites[code]
            about = rt.pages[rt.m["sister_link_page"]]
            assert site["hosts"]["sister"].encode() in w.route(code, "GET", about["path"], 1).body
            assert about["parent"] == rt.m["home"]  # one click from the home page
            if w.route(f"{code}-sister", "GET", "/", 1).trap == "sister_domain":
                seen.add("sister_domain")
        # a missing page: soft 404 where the truth says so, a real 404 elsewhere
        missing = w.route(code, "GET", "/finns-inte-alls.html", 1)
        if "soft404" in site["trap_families"]:
            assert missing.status == 200 and b"Sidan kunde inte hittas" in missing.body
            seen.add("soft404")
        else:
            assert missing.status == 404
    assert enabled == set(TRAP_FAMILIES)
    assert seen >= enabled - {"sida_loop"} or seen >= enabled, enabled - seen


def test_traps_are_unbounded(web: tuple[Web, dict[str, Any]]) -> None:
    """Calendars, news paging, facets and /sida/sida/ keep producing new URLs: a crawler must stop itself."""
    w, truth = web
    site = next(s for s in truth["sites"].values() if "calendar" in s["trap_families"])
    result = walk(w, site["code"], limit=400, follow=lambda u: "date=" in u or urlsplit(u).path == "/")
    assert result.traps["calendar"] > 300
    loop = next(s for s in truth["sites"].values() if "sida_loop" in s["trap_families"])
    page = w.sites[loop["code"]].pages[w.sites[loop["code"]].m["sida_page"]]
    assert page["path"].endswith("/")
    assert b'href="sida/"' in w.route(loop["code"], "GET", page["path"], 1).body
    deep = w.route(loop["code"], "GET", page["path"] + "sida/" * 5, 1)
    assert deep.status == 200 and deep.trap == "sida_loop" and b'href="sida/"' in deep.body


def test_redirect_loop_and_stale_download(web: tuple[Web, dict[str, Any]]) -> None:
    w, truth = web
    legacy = next(s for s in truth["sites"].values() if "redirect_loop" in s["trap_families"])
    home = w.route(legacy["code"], "GET", "/default.aspx", 1).body.decode("utf-8", "replace")
    probe = re.search(r'href="([^"]*AspxAutoDetectCookieSupport=1[^"]*)"', home)
    assert probe
    target = probe.group(1).replace("&amp;", "&")
    hops = 0
    for hops in range(1, 12):  # noqa: B007 - the count after the loop is the point
        resp = w.route(legacy["code"], "GET", target, 1)
        if resp.status != 302:
            break
        target = dict(resp.headers)["Location"]
    assert hops >= 2
    sv = next(
        s
        for s in truth["sites"].values()
        if "stale_download" in s["trap_families"] and s["platform"].startswith("sv") and s["programmes"]
    )
    path = urlsplit(sv["programmes"][0]["urls"][0]).path
    node, ts, name = path.split("/")[2:5]
    stale = w.route(sv["code"], "GET", f"/download/{node}/{int(ts) - 1000}/{name}", 1)
    assert stale.status == 301 and dict(stale.headers)["Location"] == path
    gone = w.route(sv["code"], "GET", f"/download/18.000000/{ts}/{name}", 1)
    assert gone.status in (404, 200) and b"Sidan kunde inte hittas" in gone.body
