"""Build one simulated municipal site: page tree, programme placement, decoys, traps, robots and truth.

The model is plain JSON (pages and documents with paths); the server renders HTML from it at
request time, so generation only writes the documents that must be real files (programmes and
PDF decoys). URLs in the truth are (host key, path) pairs until ``generate`` knows the addresses.
"""

from __future__ import annotations

import random
from typing import Any

from . import page_titles as L
from .config import SimConfig
from .documents import render_docx, render_html_body, render_pdf, render_scanned_pdf
from .programmes import Programme, choose_term, current_period, expired_period, make_programme
from .reference import Municipality, counties, genitive, municipalities
from .scenarios import FORCED, choose, weighted
from .urlstyle import (
    SECOND_STYLE,
    SV_PLATFORMS,
    TRAILING_SLASH,
    doc_path,
    hexid,
    page_path,
    search_endpoint,
    slug_hyphen,
)
from .wording import DECOY_CLASSES, FINNISH_SWEDISH, DocText, decoy_text, slots_for

UA_TOKENS = ("kommunprogram", "*")


class SiteBuilder:
    def __init__(self, muni: Municipality, seed: int, cfg: SimConfig, forced: str | None) -> None:
        self.m, self.cfg, self.forced = muni, cfg, forced
        self.force = FORCED.get(forced or "")
        self.rng = random.Random(f"{seed}:{muni.code}")
        self.pages: list[dict[str, Any]] = []
        self.docs: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}
        self.n = 100 + self.rng.randint(0, 800)
        self.used_paths: set[tuple[str, str]] = set()
        rng = self.rng
        self.platform = weighted(rng, cfg.platform_mix)
        if self.force and self.force.platform and self.platform not in SV_PLATFORMS:
            self.platform = self.force.platform
        self.sv = self.platform in SV_PLATFORMS
        self.oe = rng.random() < 0.02
        self.cap_first = rng.random() < 0.1
        self.sv_prefix = rng.random() < 0.1
        self.cdn = f"/{hexid(rng, 6)}" if self.platform == "epi" and rng.random() < 0.2 else ""
        self.year = cfg.inventory_year
        # host and URL-style realism draws from its own stream, so switching it on or off leaves every
        # other choice of the site as it was
        rr = random.Random(f"{seed}:{muni.code}:hosts-and-styles")
        self.second_style = rr.choice(SECOND_STYLE[self.platform]) if rr.random() < cfg.url_style_mix else None
        self.mixed: set[int] = set()  # page ids of the section that keeps the second style
        self.cms = self.platform == "wp" and rr.random() < cfg.wp_cms_host
        self.twin = rr.random() < cfg.nonwww_twin
        self.twin_home = self.twin and rr.random() < cfg.nonwww_home_redirect
        self.twin_listed = self.twin and forced is None and rr.random() < cfg.nonwww_listed
        self.rr = rr

    # ------------------------------------------------------------------ primitives
    def _unique(self, host: str, path: str) -> str:
        base, k = path, 2
        while (host, path) in self.used_paths:
            # numbered duplicate slugs, as Episerver does (anslagstavla2/)
            path = (
                base.replace(".html", f"{k}.html")
                if base.endswith(".html")
                else (base[:-1] + f"{k}/" if base.endswith("/") else f"{base}{k}")
            )
            k += 1
        self.used_paths.add((host, path))
        return path

    def add_page(
        self,
        parent: dict[str, Any] | None,
        title: str,
        kind: str = "page",
        *,
        host: str = "main",
        path: str | None = None,
        orphan: bool = False,
    ) -> dict[str, Any]:
        self.n += 1
        segs = self.segs(parent) if parent else []
        mixed = host == "main" and parent is not None and parent["id"] in self.mixed
        if path is None:
            if host != "main":
                path = f"/{slug_hyphen(title)}/"
            else:
                path = page_path(
                    self.style_of(parent),
                    segs,
                    title,
                    self.rng,
                    n=self.n,
                    cap_first=self.cap_first,
                    sv_prefix=self.sv_prefix,
                    oe=self.oe,
                )
        page: dict[str, Any] = {
            "id": len(self.pages),
            "host": host,
            "path": self._unique(host, path),
            "title": title,
            "kind": kind,
            "parent": parent["id"] if parent else None,
            "docs": [],
            "json_docs": [],
            "links": [],
            "orphan": orphan,
            "updated": f"{self.rng.randint(self.year - 3, self.year)}-"
            f"{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}",
        }
        self.pages.append(page)
        if mixed:
            self.mixed.add(page["id"])
            page["style"] = self.second_style  # recorded only where it differs from the platform's
        return page

    def style_of(self, page: dict[str, Any] | None) -> str:
        """URL style of the children and documents of ``page``: the second style inside the old section."""
        if page is not None and page["id"] in self.mixed and self.second_style:
            return self.second_style
        return self.platform

    def segs(self, page: dict[str, Any]) -> list[str]:
        out: list[str] = []
        p: dict[str, Any] | None = page
        while p is not None and p["parent"] is not None:
            out.append(p["title"])
            p = self.pages[p["parent"]]
        return out[::-1]

    def add_doc(
        self,
        *,
        role: str,
        title: str,
        filename: str,
        kind: str,
        text: DocText | None,
        host: str = "main",
        page: dict[str, Any] | None = None,
        link_text: str | None = None,
        decoy_class: str | None = None,
        search: bool = True,
        json_only: bool = False,
    ) -> dict[str, Any]:
        ext = "docx" if kind == "docx" else "pdf"
        lm = self._epoch_ms()
        style = self.platform
        if host == "main":
            style = self.style_of(page)
            path = doc_path(
                style,
                filename,
                self.segs(page) if page else [],
                self.rng,
                last_modified_ms=lm,
                cdn_prefix=self.cdn if style == "epi" else "",
                ext=ext,
                oe=self.oe,
            )
            if self.cms and style == "wp":
                host = "cms"  # headless WordPress: the uploads live on cms.<kommun>.se (Staffanstorp)
        else:
            path = f"/wp-content/uploads/{self.year - 1}/{self.rng.randint(1, 12):02d}/{slug_hyphen(title)}.{ext}"
        doc: dict[str, Any] = {
            "id": len(self.docs),
            "host": host,
            "path": self._unique(host, path),
            "alt_paths": [],
            "title": title,
            "filename": filename,
            "kind": kind,
            "role": role,
            "decoy_class": decoy_class,
            "last_modified": lm // 1000,
            "search": search,
            "file": None,
            "text": "",
            "link_text": link_text or title,
            "wrong_type": self.rng.random() < self.cfg.wrong_content_type,
            "disposition": self.rng.random() < self.cfg.content_disposition,
        }
        if host in ("main", "cms") and style != self.platform:
            doc["style"] = style
        if text is not None:
            doc["text"] = text.plain_text()
            rel = f"files/{doc['id']}.{ext}"
            render = {"pdf": render_pdf, "scanned_pdf": render_scanned_pdf, "docx": render_docx}[kind]
            self.files[rel] = render(text)
            doc["file"] = rel
        self.docs.append(doc)
        if page is not None:
            (page["json_docs"] if json_only else page["docs"]).append(doc["id"])
        return doc

    def _epoch_ms(self) -> int:
        # a plausible upload time in the three years before the inventory year (Sitevision puts it in the URL)
        start = (self.year - 1970 - 3) * 31_556_952
        return (start + self.rng.randint(0, 3 * 31_556_952)) * 1000

    # ------------------------------------------------------------------ structure
    def build_tree(self) -> None:
        cfg, rng = self.cfg, self.rng
        size = weighted(rng, cfg.size_mix)
        lo, hi = {"small": cfg.pages_small, "medium": cfg.pages_medium, "large": cfg.pages_large}[size]
        target = min(cfg.max_pages, rng.randint(lo, hi))
        self.size = size
        home = self.add_page(
            None, f"{self.m.name} kommun", "home", path="/" if self.platform != "legacy" else "/default.aspx"
        )
        self.home = home
        others = rng.sample(L.OTHER_SECTIONS, rng.randint(4, 6))
        self.business = self.add_page(home, rng.choice(L.BUSINESS_SECTION), "section")
        self.governance = self.add_page(home, rng.choice(L.GOVERNANCE_SECTION), "section")
        sections = [self.add_page(home, s, "section") for s in others]
        order = [self.business, self.governance, *sections]
        if self.second_style:
            # one top section was never migrated: its pages and files keep the old style
            self.mixed.add(self.rr.choice(order)["id"])
        rng.shuffle(order)
        home["menu"] = [p["id"] for p in order]
        for child in rng.sample(L.BUSINESS_CHILDREN, rng.randint(5, 10)):
            self.add_page(self.business, child)
        for child in rng.sample(L.GOVERNANCE_CHILDREN, rng.randint(5, 10)):
            self.add_page(self.governance, child)
        self.styr = self.add_page(self.governance, rng.choice(L.STYRDOKUMENT_HUBS), "hub")
        self.categories = {c: self.add_page(self.styr, c, "category") for c in L.STYRDOKUMENT_CATEGORIES}
        level2: list[dict[str, Any]] = []
        for sec in sections:
            pool = L.SECTION_CHILDREN.get(sec["title"], L.GENERIC_CHILDREN)
            for child in rng.sample(pool, min(len(pool), rng.randint(5, 10))):
                level2.append(self.add_page(sec, child))
        level2 += [
            p for p in self.pages if p["parent"] in (self.business["id"], self.governance["id"]) and p["kind"] == "page"
        ]
        self.utility = {u: self.add_page(home, u, "utility") for u in L.UTILITY_PAGES}
        self.news_archive = self.add_page(home, "Nyheter", "newsarchive")
        self.calendar = self.add_page(home, "Evenemang", "calendar")
        # fill the lower levels until the size target is met
        frontier = list(level2)
        while len(self.pages) < target and frontier:
            parent = frontier.pop(0)
            for child in rng.sample(L.GENERIC_CHILDREN, rng.randint(3, 8)):
                if len(self.pages) >= target:
                    break
                page = self.add_page(parent, child)
                if rng.random() < 0.2 and len(self.segs(page)) < 5:
                    frontier.append(page)
            if not frontier and len(self.pages) < target:
                frontier = [p for p in self.pages if p["kind"] == "page" and len(self.segs(p)) == 3][:50]
                if not frontier:
                    break

    def noise_docs(self) -> None:
        """Filler files (policies, protocols) rendered on the fly by the server as tiny PDFs."""
        rng = self.rng
        for page in self.categories.values():
            for _ in range(rng.randint(3, 9)):
                tmpl = rng.choice(L.NOISE_DOCS)
                title = tmpl.format(x=rng.choice(L.NOISE_TOPICS), y=rng.randint(self.year - 6, self.year))
                self.add_doc(
                    role="noise", title=title, filename=f"{title}.pdf", kind="pdf", text=None, page=page, search=True
                )
        content = [p for p in self.pages if p["kind"] == "page" and p["host"] == "main"]
        for page in rng.sample(content, len(content) // 4):
            for _ in range(rng.randint(1, 3)):
                title = (
                    f"{rng.choice(['Blankett', 'Information', 'Broschyr', 'Protokoll', 'Rapport'])} "
                    f"{page['title'].lower()} {rng.randint(self.year - 5, self.year)}"
                )
                self.add_doc(role="noise", title=title, filename=f"{title}.pdf", kind="pdf", text=None, page=page)

    # ------------------------------------------------------------------ programmes
    def decide(self) -> None:
        cfg, rng, forced = self.cfg, self.rng, self.forced
        force = self.force
        self.down = bool(force and force.down) or (forced is None and rng.random() < cfg.site_down)
        self.ua403 = forced is None and self.platform == "epi" and rng.random() < cfg.ua_403_epi
        self.rate_limited = forced is None and rng.random() < cfg.rate_limit_hosts
        self.burst = forced is None and rng.random() < cfg.burst_sites
        self.latin1 = self.platform == "legacy" and rng.random() < cfg.legacy_latin1
        choice = choose(rng, cfg.scenario_probs, (cfg.scanned_share, cfg.docx_share), self.sv, forced)
        self.placement = choice.scenario.placement
        self.scenario, self.sub, self.kind = choice.scenario.name, choice.lineage, choice.kind
        self.in_force, self.search_mode = choice.scenario.in_force, choice.search_mode
        self.robots_blocked = bool(force and force.robots_blocked) or (
            forced is None and choice.scenario.robots_blockable and rng.random() < cfg.robots_blocked_programme
        )
        # the main host's robots.txt cannot block a file on the cms. host
        self.cms = self.cms and not self.robots_blocked
        fam = {}
        for name, rate in sorted(cfg.traps.items()):
            ok = {
                "sv_state": self.sv,
                "jsessionid": self.sv,
                "redirect_loop": self.platform == "legacy",
                "sida_loop": self.platform in TRAILING_SLASH,
            }.get(name, True)
            fam[name] = ok and rng.random() < rate
        self.traps = sorted(k for k, v in fam.items() if v)

    def programme_docs(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Create and place the programme lineage; returns (truth records, action plan records)."""
        cfg, rng, y = self.cfg, self.rng, self.year
        records: list[dict[str, Any]] = []
        plans: list[dict[str, Any]] = []
        plan_policy = rng.random() < cfg.named_plan_or_policy
        combined = rng.random() < cfg.combined_programme
        term = choose_term(rng, plan_policy, combined)
        common: dict[str, Any] = dict(header_table=rng.random() < cfg.header_table, inventory_year=y)

        def mk(status: str, kind: str, start: int, end: int | None, **kw: Any) -> Programme:
            return make_programme(
                rng,
                self.m,
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
        if self.in_force:
            start, end = current_period(rng, y)
            if rng.random() < cfg.extended and self.forced is None:
                s0, e0 = expired_period(rng, y)
                lineup.append(mk("expired_extended", self.kind, s0, e0, extended_year=e0))
            else:
                lineup.append(mk("current", self.kind, start, end))
        elif self.sub == "expired_only":
            s0, e0 = expired_period(rng, y)
            lineup.append(mk("expired", self.kind, s0, e0))
        elif self.sub == "draft_only":
            lineup.append(mk("draft", "pdf", y + 1, y + rng.choice([4, 5])))
        if lineup and lineup[0].status != "draft" and rng.random() < cfg.old_version:
            before = lineup[0].valid_from
            lineup.append(mk("expired", "pdf", before - rng.choice([3, 4]), before - 1))
        if lineup and lineup[0].status in ("current", "expired_extended") and rng.random() < cfg.draft_of_next:
            lineup.append(mk("draft", "pdf", y + 1, y + 4))
        self.lineup = lineup
        # placement: the hub page holding the main programme
        place = self.placement
        hub = self.add_page(self.business, rng.choice(L.PROGRAMME_HUBS), "hub")
        self.prog_hub = hub
        placed_pages: list[dict[str, Any]] = [hub]
        for i, prog in enumerate(lineup):
            main = i == 0
            rec = self._record(prog)
            if prog.kind == "html":
                page = self.add_page(
                    hub if place != "orphan" else self.home, prog.title, "programme_html", orphan=place == "orphan"
                )
                page["body"] = render_html_body(prog.text)
                page["search_text"] = prog.text.plain_text()
                rec["urls"].append(("main", page["path"]))
                rec["reachability"] = "link"
                records.append(rec)
                if rng.random() < 0.5:  # subpages of an HTML programme (fokusområden, handlingsplan)
                    for head, paras in prog.text.sections[2:5]:
                        sub = self.add_page(page, head, "page")
                        sub["body"] = "".join(f"<p>{p}</p>" for p in paras)
                continue
            label = "Tidigare " + prog.term.word.lower() if prog.status == "expired" and not main else prog.title
            if main and place == "offsite":
                biz_home = self.business_host_pages()
                bpage = self.add_page(biz_home, prog.term.word, "page", host="business")
                doc = self.add_doc(
                    role="programme",
                    title=prog.title,
                    filename=prog.filename,
                    kind=prog.kind,
                    text=prog.text,
                    host="business",
                    page=bpage,
                )
                hub["links"].append(
                    {"host": "business", "path": bpage["path"], "text": f"{prog.term.word} (länk till annan webbplats)"}
                )
                rec["reachability"] = "offsite"
            elif main and place == "orphan":
                orphan = self.add_page(self.home, prog.title, "page", orphan=True)
                doc = self.add_doc(
                    role="programme",
                    title=prog.title,
                    filename=prog.filename,
                    kind=prog.kind,
                    text=prog.text,
                    page=orphan,
                    search=self.search_mode == "search_only",
                )
                orphan["in_search"] = self.search_mode == "search_only"
                orphan["in_sitemap"] = self.search_mode == "sitemap_only"
                self.orphan = orphan
                rec["reachability"] = self.search_mode
            elif main and place == "json_only":
                doc = self.add_doc(
                    role="programme",
                    title=prog.title,
                    filename=prog.filename,
                    kind=prog.kind,
                    text=prog.text,
                    page=hub,
                    json_only=True,
                    search=False,  # "json_only" means only there: not in search, not in the sitemap
                )
                rec["reachability"] = "json_only"
            elif main and place == "category":
                cat = self.categories[L.DOCTYPE_CATEGORY.get(prog.term.doctype, "Program")]
                doc = self.add_doc(
                    role="programme",
                    title=prog.title,
                    filename=prog.filename,
                    kind=prog.kind,
                    text=prog.text,
                    page=cat,
                    link_text=label,
                )
                placed_pages.append(cat)
                rec["reachability"] = "link"
            else:
                doc = self.add_doc(
                    role="programme",
                    title=prog.title,
                    filename=prog.filename,
                    kind=prog.kind,
                    text=prog.text,
                    page=hub,
                    link_text=label,
                )
                rec["reachability"] = "link"
                if main and place == "hub_and_category":
                    cat = self.categories[L.DOCTYPE_CATEGORY.get(prog.term.doctype, "Program")]
                    placed_pages.append(cat)
                    if rng.random() < 0.5:
                        cat["docs"].append(doc["id"])  # the same URL under two hubs
                    else:  # the same file under a second URL (two nodes in the CMS)
                        alt = doc_path(
                            self.platform,
                            prog.filename,
                            self.segs(cat),
                            rng,
                            last_modified_ms=doc["last_modified"] * 1000,
                            cdn_prefix=self.cdn,
                            ext="docx" if prog.kind == "docx" else "pdf",
                            oe=self.oe,
                        )
                        alt = self._unique(doc["host"], alt)
                        doc["alt_paths"].append(alt)
                        cat.setdefault("alt_links", []).append([doc["id"], alt])
            rec["urls"] = [(doc["host"], doc["path"])] + [(doc["host"], a) for a in doc["alt_paths"]]
            rec["doc_id"] = doc["id"]
            records.append(rec)
            # a programme named as an action plan is its own action plan: no "Handlingsplan för handlingsplan"
            separate = prog.traits.action_plan and not prog.term.names_action_plan
            if main and separate and rng.random() < cfg.separate_action_plan:
                plans.append(self._action_plan(prog, hub))
        if self.sub == "none":  # nothing to list: the hub is an ordinary page
            hub["kind"] = "page"
        old_docs = [r["doc_id"] for r in records if r["status"] == "expired" and "doc_id" in r]
        if old_docs and rng.random() < cfg.legacy_hub:
            # a hub left over from the previous site generation keeps listing the old programme (Ronneby)
            legacy = self.add_page(
                self.governance,
                rng.choice(["Äldre styrdokument", "Styrdokument (arkiv)", "Upphävda styrdokument"]),
                "hub",
            )
            legacy["docs"].extend(old_docs)
            self.legacy_hub = legacy
        self.placed_pages = placed_pages
        return records, plans

    def _record(self, prog: Programme) -> dict[str, Any]:
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

    def _action_plan(self, prog: Programme, hub: dict[str, Any]) -> dict[str, Any]:
        rng, y = self.rng, self.year
        title = f"Handlingsplan för {prog.term.word.lower()} {y}"
        slots = slots_for(
            rng, self.m.name, self.m.county, "regionen", "", "", "", prog.valid_from, prog.valid_to or y + 3
        )
        text = decoy_text(rng, "uppfoljning", slots)
        text.title_lines = [title]
        doc = self.add_doc(role="action_plan", title=title, filename=f"{title}.pdf", kind="pdf", text=text, page=hub)
        return {"title": title, "urls": [("main", doc["path"])], "programme_title": prog.title, "kind": "pdf"}

    def business_host_pages(self) -> dict[str, Any]:
        existing = [p for p in self.pages if p["host"] == "business" and p["kind"] == "home"]
        if existing:
            return existing[0]
        home = self.add_page(None, f"{self.m.name} Business", "home", host="business", path="/")
        for t in ("Etablera dig", "Om oss", "Kontakt", "Nyheter"):
            self.add_page(home, t, "page", host="business")
        self.business["links"].append(
            {"host": "business", "path": "/", "text": f"{self.m.name} Business (länk till annan webbplats)"}
        )
        return home

    # ------------------------------------------------------------------ decoys and news
    def decoys(self) -> list[dict[str, Any]]:
        cfg, rng, y = self.cfg, self.rng, self.year
        county = counties().get(self.m.county_code)
        out: list[dict[str, Any]] = []
        n = rng.randint(*cfg.decoys_per_site)
        classes = list(DECOY_CLASSES)  # the first three appear on every site
        rus = county.rus_names[0] if county and county.rus_names else "den regionala utvecklingsstrategin"
        once: set[str] = set()
        for i in range(n):
            cls = classes[i] if i < 3 else rng.choice(classes)
            slots = slots_for(
                rng, self.m.name, self.m.county, county.region_body if county else "Regionen", rus, "", "", y - 2, y + 2
            )
            slots["date"] = f"{y - rng.randint(0, 3)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            if cls in ("regional_strategy", "mirror") and cls in once:
                continue  # one shared host each: list it once
            once.add(cls)
            if cls == "regional_strategy":
                region = f"region-{self.m.county_code}"
                pages = ["/regional-utvecklingsstrategi/", "/regional-utvecklingsstrategi/rus.pdf"]
                out.append({"class": cls, "urls": [(region, p) for p in pages], "title": rus})
                self.business["links"].append(
                    {"host": f"region-{self.m.county_code}", "path": "/regional-utvecklingsstrategi/", "text": rus}
                )
                continue
            if cls == "mirror":
                if not self.lineup or self.lineup[0].kind == "html":
                    continue
                ext = "docx" if self.lineup[0].kind == "docx" else "pdf"
                mirror = [f"/dokument/{self.m.code}/", f"/dokument/{self.m.code}/dokument.{ext}"]
                out.append({"class": cls, "urls": [("docmirror", p) for p in mirror], "title": self.lineup[0].title})
                continue
            if cls in ("neighbour_programme", "finnish_programme"):
                if cls == "neighbour_programme":
                    same = [
                        x for x in municipalities() if x.county_code == self.m.county_code and x.code != self.m.code
                    ]
                    other = rng.choice(same or list(municipalities()))
                else:
                    fin = rng.choice(FINNISH_SWEDISH)
                    other = Municipality("FI", fin, "FI", "Finland", "")
                s0, e0 = current_period(rng, y)
                prog = make_programme(
                    rng,
                    other,
                    status="current" if cls == "neighbour_programme" else "draft",
                    kind="pdf",
                    start=s0,
                    end=e0,
                    term=choose_term(rng, False, False),
                    header_table=True,
                    hyphenate=False,
                    quirk=False,
                    inventory_year=y,
                )
                text, title = prog.text, prog.title
                if cls == "finnish_programme":
                    text.marker = "UTKAST"
            elif cls == "news_draft":
                article = self.add_page(
                    self.news_archive,
                    rng.choice(
                        [
                            "Lämna synpunkter på förslaget till ny näringslivsstrategi",
                            "Förslag på nytt näringslivsprogram ute på remiss",
                            "Nu tar vi fram ett nytt näringslivsprogram – var med och tyck till",
                        ]
                    ),
                    "news",
                )
                article["body"] = "".join(
                    f"<p>{p}</p>" for p in decoy_text(rng, "tjansteskrivelse", slots).plain_text().split("\n")
                )
                out.append({"class": cls, "urls": [("main", article["path"])]})
                continue
            else:
                text = decoy_text(rng, cls, slots)
                title = text.title_lines[0]
            host_page = rng.choice([self.prog_hub, self.business, *self.categories.values()])
            if cls in ("ks_protocol", "tjansteskrivelse", "naringslivsrad_minnes"):
                host_page = next((p for p in self.pages if p["title"] == "Sammanträden och protokoll"), host_page)
            as_pdf = rng.random() < cfg.decoy_pdf_share or cls in ("neighbour_programme", "finnish_programme")
            if as_pdf:
                link = f"Inspiration: {title}" if cls == "neighbour_programme" else title
                doc = self.add_doc(
                    role="decoy",
                    title=title,
                    filename=f"{title}.pdf",
                    kind="pdf",
                    text=text,
                    page=host_page,
                    decoy_class=cls,
                    link_text=link,
                )
                out.append({"class": cls, "urls": [("main", doc["path"])], "title": title})
            else:
                page = self.add_page(host_page, title, "decoy_html")
                page["body"] = render_html_body(text)
                page["search_text"] = text.plain_text()
                out.append({"class": cls, "urls": [("main", page["path"])], "title": title})
        return out

    def news(self) -> None:
        rng, y = self.rng, self.year
        for _ in range(rng.randint(*self.cfg.news_articles)):
            page = self.add_page(self.news_archive, rng.choice(L.NEWS_TOPICS), "news")
            if self.sv and self.platform == "sv_old":
                page["path"] = self._unique("main", page["path"].replace(".4.", ".5."))
            page["updated"] = f"{rng.randint(y - 3, y)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            if self.lineup and rng.random() < 0.05 and page is not None:
                page["mentions_programme"] = True

    # ------------------------------------------------------------------ robots, sitemap, search
    def robots_and_sitemap(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        cfg, rng = self.cfg, self.rng
        spath, sparam, pparam = search_endpoint(self.platform, rng, self.n)
        search = {
            "path": spath,
            "param": sparam,
            "page_param": pparam,
            "err500": rng.random() < cfg.search_500_non_utf8 and self.platform != "legacy",
        }
        lines = ["User-agent: *"]
        missing = self.forced is None and rng.random() < cfg.robots_missing and not self.robots_blocked
        if self.sv and rng.random() < cfg.robots_sv_params:
            lines += ["Disallow: /*?sv*", "Disallow: /*?start*", "Disallow: /*?date*"]
        if self.platform == "epi" and rng.random() < cfg.robots_epi:
            lines += ["Disallow: /episerver/", "Disallow: /util/"]
            if self.search_mode != "search_only":
                lines.append("Disallow: /sok/")
        if self.platform == "wp":
            lines += ["Disallow: /wp-admin/", "Allow: /wp-admin/admin-ajax.php"]
        search_blocked = (
            self.search_mode != "search_only" and self.forced is None and rng.random() < cfg.robots_search_disallowed
        )
        if search_blocked:
            lines.append(f"Disallow: {spath}")
        if rng.random() < cfg.robots_crawl_delay:
            lines.append(f"Crawl-delay: {rng.randint(5, 10)}")
        if self.robots_blocked and records and records[0]["urls"]:
            lines.append(self._accidental_rule(lines, records[0]["urls"][0][1]))
        sm_present = rng.random() < cfg.sitemap_present or self.search_mode == "sitemap_only"
        sitemap = {
            "present": bool(sm_present),
            "gz_index": rng.random() < cfg.sitemap_gz_index,
            "pages_only": self.sv and rng.random() < cfg.sitemap_pages_only_sv,
            "stale": rng.random() < cfg.sitemap_stale,
            "missing_programme": rng.random() < cfg.sitemap_missing_programme,
        }
        if sitemap["present"] and rng.random() < 0.9:
            lines.append("Sitemap: {origin}/sitemap.xml")
        robots = None if missing else "\n".join(lines) + "\n"
        return {"search": search, "robots": robots, "sitemap": sitemap}

    def _accidental_rule(self, lines: list[str], target: str) -> str:
        """A wildcard rule that catches the programme file (Kungsbacka's ``/*91.*``) but no page."""
        name = target.rsplit("/", 1)[-1] or target
        pages = [p["path"] for p in self.pages if p["host"] == "main"]
        for n in (10, 16, len(name)):
            rule = f"Disallow: /*{name[:n]}"
            robots = "\n".join([*lines, rule]) + "\n"
            if not robots_allows(robots, "http://h", target) and all(
                robots_allows(robots, "http://h", p) for p in pages
            ):
                return rule
        return f"Disallow: {target}"


def robots_allows(robots: str | None, origin: str, path: str) -> bool:
    if robots is None:
        return True
    from protego import Protego

    rp = Protego.parse(robots.replace("{origin}", origin))
    return all(rp.can_fetch(origin + path, ua) for ua in UA_TOKENS)


def build_site(muni: Municipality, seed: int, cfg: SimConfig, forced: str | None) -> dict[str, Any]:
    """Everything about one site: ``model`` (served), ``files`` (written), ``truth`` (with host-key URLs)."""
    b = SiteBuilder(muni, seed, cfg, forced)
    b.decide()
    b.build_tree()
    records, plans = b.programme_docs()
    decoys = b.decoys()
    b.news()
    b.noise_docs()
    return assemble(b, records, plans, decoys)


def assemble(
    b: SiteBuilder, records: list[dict[str, Any]], plans: list[dict[str, Any]], decoys: list[dict[str, Any]]
) -> dict[str, Any]:
    """The site's robots, sitemap, hosts and model around the placed documents, and its truth."""
    muni, cfg, forced = b.m, b.cfg, b.forced
    extra = b.robots_and_sitemap(records)
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
