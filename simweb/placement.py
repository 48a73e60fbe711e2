"""Where a site puts its programme lineage: the hub, the Styrdokument category, the business host, an orphan
page or a JSON file list, by the site's placement scenario (data/scenarios.toml); old versions, drafts of the
next period and separate action plans beside it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from . import page_titles as L
from .documents import render_html_body
from .programmes import Programme, choose_term, current_period, expired_period, make_programme
from .sitemodel import SiteBuilder
from .urlstyle import doc_path
from .wording import decoy_text, slots_for


def place_programmes(b: SiteBuilder) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Create and place the programme lineage; returns (truth records, action plan records)."""
    cfg, rng, y = b.cfg, b.rng, b.year
    records: list[dict[str, Any]] = []
    plans: list[dict[str, Any]] = []
    plan_policy = rng.random() < cfg.named_plan_or_policy
    combined = rng.random() < cfg.combined_programme
    term = choose_term(rng, plan_policy, combined)
    common: dict[str, Any] = dict(header_table=rng.random() < cfg.header_table, inventory_year=y)

    def mk(status: str, kind: str, start: int, end: int | None, **kw: Any) -> Programme:
        return make_programme(
            rng,
            b.m,
            status=status,
            kind=kind,
            start=start,
            end=end,
            term=term,
            hyphenate=rng.random() < cfg.hyphenated_title,
            quirk=rng.random() < cfg.filename_quirk,
            **common,
            **kw,
        )

    lineup: list[Programme] = []
    if b.in_force:
        start, end = current_period(rng, y)
        if rng.random() < cfg.extended and b.forced is None:
            s0, e0 = expired_period(rng, y)
            lineup.append(mk("expired_extended", b.kind, s0, e0, extended_year=e0))
        else:
            lineup.append(mk("current", b.kind, start, end))
    elif b.sub == "expired_only":
        s0, e0 = expired_period(rng, y)
        lineup.append(mk("expired", b.kind, s0, e0))
    elif b.sub == "draft_only":
        lineup.append(mk("draft", "pdf", y + 1, y + rng.choice([4, 5])))
    if lineup and lineup[0].status != "draft" and rng.random() < cfg.old_version:
        before = lineup[0].valid_from
        lineup.append(mk("expired", "pdf", before - rng.choice([3, 4]), before - 1))
    if lineup and lineup[0].status in ("current", "expired_extended") and rng.random() < cfg.draft_of_next:
        lineup.append(mk("draft", "pdf", y + 1, y + 4))
    b.lineup = lineup
    # placement: the hub page holding the main programme
    place = b.placement
    hub = b.add_page(b.business, rng.choice(L.PROGRAMME_HUBS), "hub")
    b.prog_hub = hub
    placed_pages: list[dict[str, Any]] = [hub]
    for i, prog in enumerate(lineup):
        main = i == 0
        rec = _record(b, prog)
        if prog.kind == "html":
            page = b.add_page(
                hub if place != "orphan" else b.home, prog.title, "programme_html", orphan=place == "orphan"
            )
            page["body"] = render_html_body(prog.text)
            page["search_text"] = prog.text.plain_text()
            rec["urls"].append(("main", page["path"]))
            rec["reachability"] = "link"
            records.append(rec)
            if rng.random() < 0.5:  # subpages of an HTML programme (fokusområden, handlingsplan)
                for head, paras in prog.text.sections[2:5]:
                    sub = b.add_page(page, head, "page")
                    sub["body"] = "".join(f"<p>{p}</p>" for p in paras)
            continue
        label = "Tidigare " + prog.term.word.lower() if prog.status == "expired" and not main else prog.title
        add_programme = partial(b.add_doc, role="programme", title=prog.title, filename=prog.filename,
                                kind=prog.kind, text=prog.text)
        if main and place == "offsite":
            biz_home = b.business_host_pages()
            bpage = b.add_page(biz_home, prog.term.word, "page", host="business")
            doc = add_programme(
                host="business",
                page=bpage,
            )
            hub["links"].append(
                {"host": "business", "path": bpage["path"], "text": f"{prog.term.word} (länk till annan webbplats)"}
            )
            rec["reachability"] = "offsite"
        elif main and place == "orphan":
            orphan = b.add_page(b.home, prog.title, "page", orphan=True)
            doc = add_programme(
                page=orphan,
                search=b.search_mode == "search_only",
            )
            orphan["in_search"] = b.search_mode == "search_only"
            orphan["in_sitemap"] = b.search_mode == "sitemap_only"
            rec["reachability"] = b.search_mode
        elif main and place == "json_only":
            doc = add_programme(
                page=hub,
                json_only=True,
                search=False,  # "json_only" means only there: not in search, not in the sitemap
            )
            rec["reachability"] = "json_only"
        elif main and place == "category":
            cat = b.categories[L.DOCTYPE_CATEGORY.get(prog.term.doctype, "Program")]
            doc = add_programme(
                page=cat,
                link_text=label,
            )
            placed_pages.append(cat)
            rec["reachability"] = "link"
        else:
            doc = add_programme(
                page=hub,
                link_text=label,
            )
            rec["reachability"] = "link"
            if main and place == "hub_and_category":
                cat = b.categories[L.DOCTYPE_CATEGORY.get(prog.term.doctype, "Program")]
                placed_pages.append(cat)
                if rng.random() < 0.5:
                    cat["docs"].append(doc["id"])  # the same URL under two hubs
                else:  # the same file under a second URL (two nodes in the CMS)
                    alt = doc_path(
                        b.platform,
                        prog.filename,
                        b.segs(cat),
                        rng,
                        last_modified_ms=doc["last_modified"] * 1000,
                        cdn_prefix=b.cdn,
                        ext="docx" if prog.kind == "docx" else "pdf",
                        oe=b.oe,
                    )
                    alt = b._unique(doc["host"], alt)
                    doc["alt_paths"].append(alt)
                    cat.setdefault("alt_links", []).append([doc["id"], alt])
        rec["urls"] = [(doc["host"], doc["path"])] + [(doc["host"], a) for a in doc["alt_paths"]]
        rec["doc_id"] = doc["id"]
        records.append(rec)
        # a programme named as an action plan is its own action plan: no "Handlingsplan för handlingsplan"
        separate = prog.traits.action_plan and not prog.term.names_action_plan
        if main and separate and rng.random() < cfg.separate_action_plan:
            plans.append(_action_plan(b, prog, hub))
    if b.sub == "none":  # nothing to list: the hub is an ordinary page
        hub["kind"] = "page"
    old_docs = [r["doc_id"] for r in records if r["status"] == "expired" and "doc_id" in r]
    if old_docs and rng.random() < cfg.legacy_hub:
        # a hub left over from the previous site generation keeps listing the old programme (Ronneby)
        legacy = b.add_page(
            b.governance,
            rng.choice(L.LEGACY_HUBS),
            "hub",
        )
        legacy["docs"].extend(old_docs)
    b.placed_pages = placed_pages
    return records, plans


def _record(b: SiteBuilder, prog: Programme) -> dict[str, Any]:
    return {
        "status": prog.status,
        "kind": prog.kind,
        "title": prog.title,
        "term": prog.term.word,
        "valid_from": prog.valid_from,
        "valid_to": prog.valid_to,
        "adopted_by": prog.adopted_by,
        "adopted_date": prog.adopted_date,
        "paragraph": prog.paragraph,
        "diarienummer": prog.diarienummer,
        "filename": prog.filename if prog.kind != "html" else None,
        "urls": [],
        "reachability": "link",
        "traits": prog.traits.as_dict(),
        "rus_name": prog.rus_name,
        "collaboration": prog.collaboration,
        "title_lines": prog.text.title_lines,
        "marker": prog.text.marker or None,
    }


def _action_plan(b: SiteBuilder, prog: Programme, hub: dict[str, Any]) -> dict[str, Any]:
    rng, y = b.rng, b.year
    title = f"Handlingsplan för {prog.term.word.lower()} {y}"
    slots = slots_for(rng, b.m.name, b.m.county, "regionen", "", "", "", prog.valid_from, prog.valid_to or y + 3)
    text = decoy_text(rng, "uppfoljning", slots)
    text.title_lines = [title]
    doc = b.add_doc(role="action_plan", title=title, filename=f"{title}.pdf", kind="pdf", text=text, page=hub)
    return {"title": title, "urls": [("main", doc["path"])], "programme_title": prog.title, "kind": "pdf"}
