"""A site's robots.txt, sitemap settings and search endpoint, and robots rules read the way Scrapy reads them."""

from __future__ import annotations

from typing import Any

from protego import Protego

from .sitemodel import SiteBuilder
from .urlstyle import search_endpoint

UA_TOKENS = ("kommunprogram", "*")


def robots_and_sitemap(b: SiteBuilder, records: list[dict[str, Any]]) -> dict[str, Any]:
    cfg, rng = b.cfg, b.rng
    spath, sparam, pparam = search_endpoint(b.platform, rng, b.n)
    search = {
        "path": spath,
        "param": sparam,
        "page_param": pparam,
        "err500": rng.random() < cfg.search_500_non_utf8 and b.platform != "legacy",
    }
    lines = ["User-agent: *"]
    missing = b.forced is None and rng.random() < cfg.robots_missing and not b.robots_blocked
    if b.sv and rng.random() < cfg.robots_sv_params:
        lines += ["Disallow: /*?sv*", "Disallow: /*?start*", "Disallow: /*?date*"]
    if b.platform == "epi" and rng.random() < cfg.robots_epi:
        lines += ["Disallow: /episerver/", "Disallow: /util/"]
        if b.search_mode != "search_only":
            lines.append("Disallow: /sok/")
    if b.platform == "wp":
        lines += ["Disallow: /wp-admin/", "Allow: /wp-admin/admin-ajax.php"]
    search_blocked = b.search_mode != "search_only" and b.forced is None and rng.random() < cfg.robots_search_disallowed
    if search_blocked:
        lines.append(f"Disallow: {spath}")
    if rng.random() < cfg.robots_crawl_delay:
        lines.append(f"Crawl-delay: {rng.randint(5, 10)}")
    if b.robots_blocked and records and records[0]["urls"]:
        lines.append(_accidental_rule(b, lines, records[0]["urls"][0][1]))
    sm_present = rng.random() < cfg.sitemap_present or b.search_mode == "sitemap_only"
    sitemap = {
        "present": bool(sm_present),
        "gz_index": rng.random() < cfg.sitemap_gz_index,
        "pages_only": b.sv and rng.random() < cfg.sitemap_pages_only_sv,
        "stale": rng.random() < cfg.sitemap_stale,
        "missing_programme": rng.random() < cfg.sitemap_missing_programme,
    }
    if sitemap["present"] and rng.random() < 0.9:
        lines.append("Sitemap: {origin}/sitemap.xml")
    robots = None if missing else "\n".join(lines) + "\n"
    return {"search": search, "robots": robots, "sitemap": sitemap}


def _accidental_rule(b: SiteBuilder, lines: list[str], target: str) -> str:
    """A wildcard rule that catches the programme file (Kungsbacka's ``/*91.*``) but no page."""
    name = target.rsplit("/", 1)[-1] or target
    pages = [p["path"] for p in b.pages if p["host"] == "main"]
    for n in (10, 16, len(name)):
        rule = f"Disallow: /*{name[:n]}"
        robots = "\n".join([*lines, rule]) + "\n"
        if not robots_allows(robots, "http://h", target) and all(robots_allows(robots, "http://h", p) for p in pages):
            return rule
    return f"Disallow: {target}"


def robots_allows(robots: str | None, origin: str, path: str) -> bool:
    if robots is None:
        return True

    rp = Protego.parse(robots.replace("{origin}", origin))
    return all(rp.can_fetch(origin + path, ua) for ua in UA_TOKENS)
