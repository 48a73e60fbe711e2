"""Re-inventory: conditional requests fetch nothing unchanged; changed documents become new versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawlserver import Handler, Reply, SiteServer, crawl_site, pdf
from test_spider import p1

PDF_PATH = "/download/18.1a2b/1700000000000/N%C3%A4ringslivsprogram%202024-2027.pdf"


def test_conditional_recrawl_downloads_nothing_unchanged(tmp_path: Path) -> None:
    version = {"etag": '"v1"', "body": pdf("version 1"), "sent": 0}

    def document(handler: Handler) -> Reply:
        if handler.headers.get("If-None-Match") == version["etag"]:
            return 304, {"ETag": str(version["etag"])}, b""
        version["sent"] = int(version["sent"]) + 1
        return 200, {"Content-Type": "application/pdf", "ETag": str(version["etag"])}, bytes(version["body"])

    routes: dict[str, Any] = {**p1(), PDF_PATH: document}
    db = f"sqlite:///{tmp_path}/c.db"
    with SiteServer(routes) as site:
        first = crawl_site(site, tmp_path, db=db, stop_after_hit=3)
        second = crawl_site(site, tmp_path, db=db, stop_after_hit=3)
        assert version["sent"] == 1  # the second run got a 304 and downloaded nothing
        cands = [c for c in second.store.candidates(second.run_id) if c["url"].endswith(".pdf")]
        assert len(cands) == 1 and cands[0]["unchanged"]
        first_pdf = [c for c in first.store.candidates(first.run_id) if c["url"].endswith(".pdf")][0]
        assert cands[0]["sha256"] == first_pdf["sha256"]
        assert second.outcome["status"] == "found"

        version.update(etag='"v2"', body=pdf("version 2"))
        third = crawl_site(site, tmp_path, db=db, stop_after_hit=3)
        assert version["sent"] == 2
        new = [c for c in third.store.candidates(third.run_id) if c["url"].endswith(".pdf")]
        assert len(new) == 1 and not new[0]["unchanged"] and new[0]["sha256"] != first_pdf["sha256"]
        assert third.store.blob(new[0]["sha256"]) == pdf("version 2")


def test_unchanged_programme_page_still_leads_to_its_documents(tmp_path: Path) -> None:
    """A 304 carries no body: the links of an unchanged programme page come from the stored copy,
    or a re-inventory would never reach the PDF that only that page links to."""
    from crawlserver import page

    hub = "/naringsliv-och-arbete/naringslivsprogram/"
    status, headers, body = page("Näringslivsprogram", (PDF_PATH, "Näringslivsprogram 2024-2027 (pdf)"))
    page_hits = {"304": 0}

    def programme_page(handler: Handler) -> Reply:
        if handler.headers.get("If-None-Match") == '"p1"':
            page_hits["304"] += 1
            return 304, {"ETag": '"p1"'}, b""
        return status, {**headers, "Content-Type": "text/html; charset=utf-8", "ETag": '"p1"'}, body

    routes: dict[str, Any] = {**p1(), hub: programme_page}
    routes["/naringsliv-och-arbete/"] = page("Näringsliv och arbete", (hub, "Näringslivsprogram"))
    routes.pop("/naringsliv-och-arbete/naringslivsutveckling/", None)
    db = f"sqlite:///{tmp_path}/c.db"
    with SiteServer(routes) as site:
        crawl_site(site, tmp_path, db=db, stop_after_hit=3)
        second = crawl_site(site, tmp_path, db=db, stop_after_hit=3)
    assert page_hits["304"] == 1  # the programme page was revalidated, not downloaded again
    urls = {c["url"].split("/", 3)[-1] for c in second.store.candidates(second.run_id)}
    assert PDF_PATH.lstrip("/") in urls
