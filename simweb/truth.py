"""A built site as the server's model and the generator's truth: hosts, robots and sitemap around the placed
documents, and the status an inventory should report for the municipality.
"""

from __future__ import annotations

from typing import Any

from .reference import genitive
from .robots import robots_allows, robots_and_sitemap
from .sitemodel import SiteBuilder
from .urlstyle import hexid


def assemble(
    b: SiteBuilder, records: list[dict[str, Any]], plans: list[dict[str, Any]], decoys: list[dict[str, Any]]
) -> dict[str, Any]:
    """The site's robots, sitemap, hosts and model around the placed documents, and its truth."""
    muni, cfg, forced = b.m, b.cfg, b.forced
    extra = robots_and_sitemap(b, records)
    rng = b.rng
    hosts = {"main": muni.code}
    if any(p["host"] == "business" for p in b.pages):
        hosts["business"] = f"{muni.code}-business"
    elif forced is None and rng.random() < cfg.business_host:
        b.business_host_pages()
        hosts["business"] = f"{muni.code}-business"
    if forced is None and rng.random() < cfg.meeting_host:
        hosts["meeting"] = f"{muni.code}-meetings"
    if "sister_domain" in b.traps:
        hosts["sister"] = f"{muni.code}-sister"
    if any(d["host"] == "cms" for d in b.docs):
        hosts["cms"] = f"{muni.code}-cms"
    if b.twin:
        hosts["twin"] = f"{muni.code}-nonwww"
    # robots-blocked reachability is decided by the actual robots.txt, parsed the way Scrapy does
    for rec in records:
        if (
            rec["reachability"] != "offsite"
            and rec["urls"]
            and all(h == "main" and not robots_allows(extra["robots"], "http://h", path) for h, path in rec["urls"])
        ):
            rec["reachability"] = "robots_blocked"
    model = {
        "code": muni.code,
        "name": muni.name,
        "county_code": muni.county_code,
        "county": muni.county,
        "platform": b.platform,
        "size": b.size,
        "scenario": b.scenario,
        "down": b.down,
        "ua403": b.ua403,
        "rate_limited": b.rate_limited,
        "burst": b.burst,
        "latin1": b.latin1,
        "traps": b.traps,
        "meeting_block_all": rng.random() < cfg.meeting_robots_block_all,
        "hosts": hosts,
        "pages": b.pages,
        "docs": b.docs,
        "home": b.home["id"],
        "news_archive": b.news_archive["id"],
        "calendar": b.calendar["id"],
        "styr": b.styr["id"],
        "business": b.business["id"],
        "prog_hub": b.prog_hub["id"],
        # the relative href="sida/" loops only under a path that ends in a slash
        "sida_page": rng.choice(
            [p["id"] for p in b.pages if p["kind"] == "page" and p["host"] == "main" and p["path"].endswith("/")]
            or [p["id"] for p in b.pages if p["kind"] == "page" and p["host"] == "main"]
        ),
        "url_styles": [b.platform, *([b.second_style] if b.second_style else [])],
        "twin_home": b.twin_home,
        "twin_listed": b.twin_listed,
        "sister_link_page": b.utility["Om webbplatsen"]["id"],
        "portlet": hexid(rng, 22),
        **extra,
    }
    truth = _truth(b, model, records, plans, decoys)
    return {"model": model, "files": b.files, "truth": truth}


def _truth(
    b: SiteBuilder,
    model: dict[str, Any],
    records: list[dict[str, Any]],
    plans: list[dict[str, Any]],
    decoys: list[dict[str, Any]],
) -> dict[str, Any]:
    current = [r for r in records if r["status"] in ("current", "expired_extended")]
    if model["down"]:
        expected = "site_unreachable"
    elif model["ua403"]:
        expected = "blocked_by_server"
    elif current:
        ok = [r for r in current if r["reachability"] != "robots_blocked"]
        expected = "program_found" if ok else "blocked_by_robots"
    elif any(r["status"] == "draft" for r in records):
        expected = "draft_only"
    elif records:
        expected = "expired_only"
    else:
        expected = "no_program_found"
    without_faults: str | None = expected
    if expected == "blocked_by_server":
        ok = [r for r in current if r["reachability"] != "robots_blocked"]
        without_faults = ("program_found" if ok else "blocked_by_robots") if current else None
    if current:
        programme_status = "program_found"
    elif any(r["status"] == "draft" for r in records):
        programme_status = "draft_only"
    else:
        programme_status = "expired_only" if records else "no_program_found"
    if without_faults is None:
        without_faults = programme_status
    # Without OCR a programme that is only a scan cannot be read: the municipality is needs_ocr.
    readable = [r for r in current if r["reachability"] != "robots_blocked" and r["kind"] != "scanned_pdf"]
    without_ocr = "needs_ocr" if expected == "program_found" and not readable else expected
    return {
        "code": b.m.code,
        "name": b.m.name,
        "county_code": b.m.county_code,
        "platform": b.platform,
        "size": b.size,
        "scenario": b.scenario,
        "forced": b.forced,
        "expected_status": expected,
        "expected_status_without_faults": without_faults,
        "expected_status_without_ocr": without_ocr,
        "programme_status": programme_status,
        "programmes": records,
        "action_plans": plans,
        "decoys": decoys,
        "trap_families": b.traps,
        "url_styles": model["url_styles"],
        "nonwww": {"present": b.twin, "home_redirect": b.twin_home, "listed": b.twin_listed},
        "hub_pages": [("main", p["path"]) for p in b.placed_pages],
        "faults": {
            "down": model["down"],
            "ua403": model["ua403"],
            "rate_limited": model["rate_limited"],
            "burst": model["burst"],
            "latin1": model["latin1"],
        },
        "robots_present": model["robots"] is not None,
        "sitemap": model["sitemap"],
        "search": {
            "path": model["search"]["path"],
            "param": model["search"]["param"],
            "disallowed": not robots_allows(model["robots"], "http://h", model["search"]["path"] + "?x=1"),
        },
        "genitive": genitive(b.m.name),
    }
