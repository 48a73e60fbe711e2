"""One simulated municipal site as it is built: its platform, faults, scenario and traps, its page tree, and
the primitives that add pages and documents. The programme is placed by ``placement``, the look-alikes by
``decoys``, robots.txt and the sitemap by ``robots``, and ``truth`` turns the builder into the served model
and the truth; ``generate.build_site`` runs them in that order.

The model is plain JSON (pages and documents with paths); the server renders HTML from it at
request time, so generation only writes the documents that must be real files (programmes and
PDF decoys). URLs in the truth are (host key, path) pairs until ``generate`` knows the addresses.
"""

from __future__ import annotations

import random
from typing import Any

from . import page_titles as L
from .config import SimConfig
from .documents import render_docx, render_pdf, render_scanned_pdf
from .programmes import Programme
from .reference import Municipality
from .scenarios import FORCED, choose, weighted
from .urlstyle import SECOND_STYLE, SV_PLATFORMS, TRAILING_SLASH, doc_path, hexid, page_path, slug_hyphen
from .wording import DocText


class SiteBuilder:
    # set by placement.place_programmes (or by a subclass that places its own documents)
    lineup: list[Programme]
    prog_hub: dict[str, Any]
    placed_pages: list[dict[str, Any]]

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
                    f"{rng.choice(L.PAGE_DOC_KINDS)} {page['title'].lower()} {rng.randint(self.year - 5, self.year)}"
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

    def business_host_pages(self) -> dict[str, Any]:
        existing = [p for p in self.pages if p["host"] == "business" and p["kind"] == "home"]
        if existing:
            return existing[0]
        home = self.add_page(None, f"{self.m.name} Business", "home", host="business", path="/")
        for t in L.BUSINESS_HOST_PAGES:
            self.add_page(home, t, "page", host="business")
        self.business["links"].append(
            {"host": "business", "path": "/", "text": f"{self.m.name} Business (länk till annan webbplats)"}
        )
        return home

    # ------------------------------------------------------------------ news
    def news(self) -> None:
        rng, y = self.rng, self.year
        for _ in range(rng.randint(*self.cfg.news_articles)):
            page = self.add_page(self.news_archive, rng.choice(L.NEWS_TOPICS), "news")
            if self.sv and self.platform == "sv_old":
                page["path"] = self._unique("main", page["path"].replace(".4.", ".5."))
            page["updated"] = f"{rng.randint(y - 3, y)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            if self.lineup and rng.random() < 0.05 and page is not None:
                page["mentions_programme"] = True
