"""The simulated web built from real labelled documents: ``simweb generate --corpus FILE.jsonl``.

One site per municipality named in the corpus. The site's frame (platform, menus, page tree, filler
pages, news archive, traps, robots.txt, sitemap, search) is built as for the template web
(``sitemodel.SiteBuilder``); the documents are the corpus's real texts, placed where real sites have them
(``PLACEMENT``), rendered by ``realtext`` without rewriting. No template programme and no template decoy
is generated. Truth comes from the corpus labels only (``site_truth``); the rules are in docs/simweb.md.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from base.errors import UsageError

from .config import SimConfig
from .generate import _prepare, origin, resolve_truth, write_web
from .realtext import LABEL_TAGS, Heading, heading_of, html_body, read_corpus, render
from .reference import Municipality, counties, municipalities
from .sitemodel import SiteBuilder
from .truth import assemble
from .urlstyle import slug_hyphen

# Where each doc_kind goes on the web (placements are described in docs/simweb.md). A kind not listed
# goes to the business section as a page; a positive (is_program) with no municipality becomes a
# neighbour's programme on the site it is dealt to.
PLACEMENT: dict[str, str] = {
    "program_doc": "programme",
    "program_doc_stub": "programme",
    "program_page": "programme_page",
    "program_subpage": "programme_subpage",
    "announcement": "news",
    "action_plan": "action_plan",
    "news_process": "news",
    "news_event": "news",
    "municipal_newsletter": "news",
    "follow_up_report": "news",
    "municipal_business_page": "business",
    "other_advice": "business",
    "arena": "business",
    "planning_project": "business",
    "other": "business",
    "municipal_business_company": "business_host",
    "vision_goals_budget": "governing",
    "landsbygd": "governing",
    "miljo": "governing",
    "kultur": "governing",
    "besoksnaring": "governing",
    "municipal_development_strategy": "governing",
    "op": "governing",
    "annual_report": "governing",
    "revision": "governing",
    "minutes_memo": "meetings",
    "party": "party",
    "news_thirdparty": "press",
    "news_ranking": "press",
    "opinion": "press",
    "rus_regional": "region",
    "regional_other": "region",
    "regional_cooperation_page": "region",
    "intermunicipal": "region",
    "leader": "region",
    "foreign": "foreign",
    "report_research": "agency",
    "agency": "agency",
    "business_org": "agency",
}
PROGRAMME_PLACEMENTS = ("programme", "programme_page", "programme_subpage", "action_plan")
# Share of documents rendered as a file (PDF) rather than an HTML page, per placement.
FILE_SHARE = {"governing": 0.6, "meetings": 1.0, "region": 0.5, "foreign": 0.5, "agency": 0.6, "neighbour": 1.0}
# Shared hosts of the real-text web: key -> (kind, name shown on the host).
EXTERNAL_HOSTS = {
    "press": "Lokaltidningen",
    "party": "Partiernas lokalavdelningar",
    "agency": "Myndigheter och organisationer",
    "foreign": "Nordiska kommuner",
}
# Filler hub under the business section that links the programme and the business look-alikes; the
# names are neutral so that a hub with filler text is not itself a programme look-alike.
REAL_HUBS = ("Näringslivsutveckling", "Vårt näringslivsarbete", "Företagsservice", "Utveckling och projekt")
BUSINESS_HOST_SHARE = 0.2  # municipalities whose programme sits on a business-promotion host
CATEGORY_SHARE = 0.3  # programme documents listed only in the styrdokument category
NEIGHBOUR_COPY_SHARE = 0.3  # programme documents that a neighbour in the county also publishes
LINKED_EXTERNAL_SHARE = 0.5  # party and press pages linked from one of the site's news items
# Settings the real-text web fixes: no random host faults, so the truth is what the labels say, and no
# Crawl-delay (a 5-10 s delay on a few sites would make bench-real wait minutes for nothing it measures)
REAL_CONFIG = dict(
    robots_crawl_delay=0.0,
    ua_403_epi=0.0,
    rate_limit_hosts=0.0,
    burst_sites=0.0,
    empty_reply=0.0,
    timeout=0.0,
    site_down=0.0,
    robots_blocked_programme=0.0,
    extra_host_gone=0.0,
    ensure_coverage=False,
)
MIN_SITES_FOR_FAULTS = 8  # one site down and one scanned programme only in webs at least this large


def _category(title: str) -> str:
    """The styrdokument category a title belongs to, by its document word (not by any label)."""
    low = title.lower()
    for word, cat in (("polic", "Policyer"), ("strategi", "Strategier"), ("plan", "Planer"), ("program", "Program")):
        if word in low:
            return cat
    return "Program"


def _filename(heading: str, ext: str) -> str:
    name = re.sub(r'[\\/:*?"<>|\n\r\t]+', " ", heading).strip()[:80].strip() or "dokument"
    return f"{name}.{ext}"


def _root(rec: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> str:
    """The id of the first document of the programme ``rec`` belongs to (``same_program_as`` chain)."""
    seen: set[str] = set()
    cur = rec
    while cur.get("same_program_as") and cur["id"] not in seen:
        seen.add(cur["id"])
        nxt = by_id.get(cur["same_program_as"])
        if nxt is None:
            return str(cur["same_program_as"])
        cur = nxt
    return str(cur["id"])


def period_status(valid_from: int | None, valid_to: int | None, year: int) -> str:
    """``current`` (in force in ``year`` or no period stated), ``expired`` or ``future``."""
    if valid_to is not None and valid_to < year:
        return "expired"
    if valid_from is not None and valid_from > year:
        return "future"
    return "current"


def label_status(statuses: list[str]) -> str:
    """The expected status from the programmes' period statuses: a programme that starts after the year is
    the municipality's programme, not in force (docs/outputs.md), never expired."""
    if "current" in statuses or "future" in statuses:
        return "program_found"
    if "expired" in statuses:
        return "expired_only"
    return "no_program_found"


class Plan:
    """Which document goes to which site and how: decided for the whole web before any site is built."""

    def __init__(self, records: list[dict[str, Any]], seed: int) -> None:
        by_name = {m.name: m for m in municipalities()}
        unknown = sorted({str(r["municipality"]) for r in records if r["municipality"] and r["municipality"]
                          not in by_name})
        if unknown:
            raise UsageError(
                f"corpus names {len(unknown)} municipalit{'y' if len(unknown) == 1 else 'ies'} not in the "
                f"reference list: {', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''}"
            )
        self.by_id = {r["id"]: r for r in records}
        self.sites: list[Municipality] = sorted(
            {by_name[r["municipality"]] for r in records if r["municipality"]}, key=lambda m: m.code
        )
        if not self.sites:
            raise UsageError("corpus: no document names a municipality; nothing to build a site for")
        codes = [m.code for m in self.sites]
        code_of = {m.name: m.code for m in self.sites}
        self.assigned: dict[str, list[tuple[dict[str, Any], str]]] = defaultdict(list)
        for rec in records:
            if rec["municipality"]:
                place = PLACEMENT.get(rec["doc_kind"], "business")
                if place in PROGRAMME_PLACEMENTS or rec["doc_kind"] == "announcement":
                    # the municipality's own positives are its programme; its own negatives of these kinds
                    # (rare) are placed the same way and stay look-alikes in the truth
                    place = place if rec["is_program"] or place != "programme" else "governing"
                self.assigned[code_of[rec["municipality"]]].append((rec, place))
                continue
            # a document about no municipality is dealt to one site by the seed
            rng = random.Random(f"{seed}:corpus:{rec['id']}")
            code = rng.choice(codes)
            place = "neighbour" if rec["is_program"] else PLACEMENT.get(rec["doc_kind"], "business")
            self.assigned[code].append((rec, place))
        # neighbours' programmes: some programme documents are also published by a neighbour in the county
        for m in self.sites:
            for rec, place in list(self.assigned[m.code]):
                if place != "programme":
                    continue
                rng = random.Random(f"{seed}:neighbour:{rec['id']}")
                same_county = [x.code for x in self.sites if x.county_code == m.county_code and x.code != m.code]
                if same_county and rng.random() < NEIGHBOUR_COPY_SHARE:
                    self.assigned[rng.choice(same_county)].append((rec, "neighbour"))
        rng = random.Random(f"{seed}:faults")
        self.down: str | None = None
        self.scanned: str | None = None
        if len(self.sites) >= MIN_SITES_FOR_FAULTS:
            # a site without a programme goes down (it costs no programme), else any site
            quiet = [c for c in codes if not any(p in PROGRAMME_PLACEMENTS for _, p in self.assigned[c])]
            self.down = rng.choice(quiet or codes)
            docs = [
                (c, rec["id"])
                for c in codes
                if c != self.down
                for rec, p in self.assigned[c]
                if p == "programme"
            ]
            # a scanned programme whose programme has another document keeps its status without OCR
            with_other = [
                d for d in docs
                if sum(1 for r, p in self.assigned[d[0]] if (p in PROGRAMME_PLACEMENTS or p == "news") and
                       r["is_program"] and _root(r, self.by_id) == _root(self.by_id[d[1]], self.by_id)) > 1
            ]
            pick = with_other or docs
            self.scanned = rng.choice(pick)[1] if pick else None


class RealSite(SiteBuilder):
    """A site whose documents are real corpus texts (see ``PLACEMENT``)."""

    def __init__(self, muni: Municipality, seed: int, cfg: SimConfig, *, down: bool, scanned: str | None) -> None:
        super().__init__(muni, seed, cfg, None)
        self.seed, self.scanned_id = seed, scanned
        self.decide()
        # the real-text web decides its own faults and placements
        self.down, self.ua403, self.rate_limited, self.burst = down, False, False, False
        self.scenario, self.sub, self.kind, self.search_mode, self.robots_blocked = "real", "", "pdf", "", False
        self.lineup = []
        self.build_tree()
        self.prog_hub = self.add_page(self.business, self.rng.choice(REAL_HUBS), "hub")
        self.placed_pages = [self.prog_hub]
        self.external: list[tuple[str, dict[str, Any], dict[str, Any]]] = []  # (host key, page, record)
        self.placed: list[dict[str, Any]] = []  # one entry per placed document, for the truth
        self.place_rng = random.Random(f"{seed}:{muni.code}:real")
        self.on_business_host = self.place_rng.random() < BUSINESS_HOST_SHARE

    # ------------------------------------------------------------------ primitives
    def real_page(self, parent: dict[str, Any], rec: dict[str, Any], kind: str = "page", host: str = "main"
                  ) -> dict[str, Any]:
        head = heading_of(rec["text"])
        page = self.add_page(parent, head.text, kind, host=host)
        page.update(body=html_body(rec["text"], head), search_text=rec["text"], real=True, corpus_id=rec["id"])
        return page

    def real_doc(self, page: dict[str, Any], rec: dict[str, Any], kind: str, *, role: str,
                 link_prefix: str = "") -> dict[str, Any]:
        head = heading_of(rec["text"])
        ext = "docx" if kind == "docx" else "pdf"
        doc = self.add_doc(
            role=role,
            title=head.text,
            filename=_filename(head.text, ext),
            kind=kind,
            text=None,
            host=page["host"] if page["host"] != "main" else "main",
            page=page,
            link_text=f"{link_prefix}{head.text}",
        )
        rel = f"files/{doc['id']}.{ext}"
        self.files[rel] = render(kind, rec["text"], head)
        doc.update(file=rel, text=rec["text"], corpus_id=rec["id"])
        return doc

    def record(self, rec: dict[str, Any], place: str, form: str, urls: list[tuple[str, str]], *,
               linked: bool = True, title: str | None = None) -> None:
        self.placed.append({
            "rec": rec, "placement": place, "kind": form, "urls": urls, "linked": linked,
            "title": title or heading_of(rec["text"]).text,
        })

    def form_of(self, rec: dict[str, Any], place: str) -> str:
        if place == "programme":
            if rec["id"] == self.scanned_id:
                return "scanned_pdf"
            return "docx" if random.Random(f"{self.seed}:{rec['id']}:form").random() < 0.15 else "pdf"
        share = FILE_SHARE.get(place, 0.0)
        return "pdf" if random.Random(f"{self.seed}:{rec['id']}:form").random() < share else "html"

    def noise_docs(self) -> None:
        """Filler files as on the template web, but never on a page that holds a real text."""
        real = [p for p in self.pages if p.get("real")]
        for p in real:
            p["kind"] = "real_" + p["kind"]
        super().noise_docs()
        for p in real:
            p["kind"] = p["kind"].removeprefix("real_")

    def news_item(self) -> dict[str, Any] | None:
        news = [p for p in self.pages if p["kind"] == "news" and not p.get("real")]
        return self.place_rng.choice(news) if news else None

    # ------------------------------------------------------------------ placement
    def place_all(self, assigned: list[tuple[dict[str, Any], str]], by_id: dict[str, dict[str, Any]]) -> None:
        programme = [(r, p) for r, p in assigned if p in PROGRAMME_PLACEMENTS or
                     (p == "news" and r["is_program"] and r["municipality"])]
        others = [(r, p) for r, p in assigned if (r, p) not in programme]
        if programme and self.on_business_host:
            self.biz_home = self.business_host_pages()
        self.place_programmes(programme, by_id)
        self.news()  # filler news first, so real look-alikes can be linked from one of them
        for rec, place in others:
            self.place_other(rec, place)

    def place_programmes(self, items: list[tuple[dict[str, Any], str]], by_id: dict[str, dict[str, Any]]) -> None:
        groups: dict[str, list[tuple[dict[str, Any], str]]] = defaultdict(list)
        for rec, place in items:
            groups[_root(rec, by_id)].append((rec, place))
        for _, members in sorted(groups.items()):
            offsite = self.on_business_host
            parent = self.biz_home if offsite else self.prog_hub
            host = "business" if offsite else "main"
            page = None
            for rec, place in members:
                if place == "programme_page":
                    p = self.real_page(parent, rec, "page", host)
                    page = page or p
                    self.record(rec, place, "html", [(host, p["path"])])
            for rec, place in members:
                if place == "programme_subpage":
                    p = self.real_page(page or parent, rec, "page", host)
                    self.record(rec, place, "html", [(host, p["path"])])
                elif place in ("programme", "action_plan"):
                    form = self.form_of(rec, "programme") if place == "programme" else "pdf"
                    target = page or parent
                    if place == "programme" and page is None and not offsite and \
                            random.Random(f"{self.seed}:{rec['id']}:where").random() < CATEGORY_SHARE:
                        target = self.categories[_category(heading_of(rec["text"]).text)]
                        self.placed_pages.append(target)
                    d = self.real_doc(target, rec, form, role="programme" if place == "programme" else "action_plan")
                    self.record(rec, place, form, [(d["host"], d["path"])])
                elif place == "news":
                    p = self.real_page(self.news_archive, rec, "news")
                    self.record(rec, place, "html", [("main", p["path"])])

    def place_other(self, rec: dict[str, Any], place: str) -> None:
        form = self.form_of(rec, place)
        if place == "news":
            p = self.real_page(self.news_archive, rec, "news")
            self.record(rec, place, "html", [("main", p["path"])])
        elif place == "business":
            p = self.real_page(self.prog_hub if self.place_rng.random() < 0.5 else self.business, rec)
            self.record(rec, place, "html", [("main", p["path"])])
        elif place == "business_host":
            home = self.business_host_pages()
            p = self.real_page(home, rec, "page", "business")
            self.record(rec, place, "html", [("business", p["path"])])
        elif place in ("governing", "meetings"):
            cat = self.categories[_category(heading_of(rec["text"]).text)]
            if place == "meetings":
                cat = next((p for p in self.pages if p["title"] == "Sammanträden och protokoll"), self.governance)
            if form == "html":
                p = self.real_page(cat, rec)
                self.record(rec, place, "html", [("main", p["path"])])
            else:
                d = self.real_doc(cat, rec, form, role="decoy")
                self.record(rec, place, form, [(d["host"], d["path"])])
        elif place == "neighbour":
            d = self.real_doc(self.prog_hub, rec, "pdf", role="decoy", link_prefix="Inspiration: ")
            self.record(rec, place, "pdf", [(d["host"], d["path"])])
        else:  # a page on a shared host: region, press, party, agency, foreign
            key = f"region-{self.m.county_code}" if place == "region" else place
            page = {"title": heading_of(rec["text"]).text, "kind": form}
            self.external.append((key, page, rec))
            linked = True
            if place in ("region", "agency"):
                # regional strategies and agency reports are linked from the business section
                self.business["links"].append({"host": key, "page": page, "text": page["title"]})
            else:
                item = self.news_item() if self.place_rng.random() < LINKED_EXTERNAL_SHARE or place == "foreign" \
                    else None
                linked = item is not None
                if item is not None:
                    item["links"].append({"host": key, "page": page, "text": page["title"]})
            self.record(rec, place, form, [(key, "")], linked=linked)
            self.placed[-1]["page"] = page


def _programmes(site: RealSite, year: int, by_id: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The truth's programme records: one per ``same_program_as`` group of the site's own positives."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in site.placed:
        rec = entry["rec"]
        if rec["is_program"] and rec["municipality"] == site.m.name and entry["placement"] != "neighbour":
            groups[_root(rec, by_id)].append(entry)
    out = []
    for root, entries in sorted(groups.items()):
        recs = [e["rec"] for e in entries]
        first = next((e for e in entries if e["rec"]["id"] == root), entries[0])
        froms = [r["valid_from"] for r in recs if r.get("valid_from") is not None]
        tos = [r["valid_to"] for r in recs if r.get("valid_to") is not None]
        vf, vt = (min(froms) if froms else None), (max(tos) if tos else None)
        ptype = first["rec"].get("program_type") or next((r["program_type"] for r in recs if r.get("program_type")),
                                                         None)
        tags = {t: any(bool(r.get(t)) for r in recs) for t in LABEL_TAGS}
        regional = "rus" if tags["rus_link"] else "intermunicipal" if tags["intermunicipal_link"] else "none"
        main_doc = next((e for e in entries if e["placement"] == "programme"), entries[0])
        readable = [e for e in entries if e["kind"] != "scanned_pdf"]
        out.append({
            "status": period_status(vf, vt, year),
            "kind": main_doc["kind"],
            "title": first["title"],
            "term": None,
            "valid_from": vf,
            "valid_to": vt,
            "adopted_by": first["rec"].get("adopted_by"),
            "adopted_date": None,
            "paragraph": None,
            "diarienummer": None,
            "filename": None,
            "urls": [u for e in entries for u in e["urls"]],
            "reachability": "offsite" if any(h == "business" for e in entries for h, _ in e["urls"]) else "link",
            "traits": {"program_type": ptype, **tags},
            "regional_category": regional,
            "rus_name": None,
            "collaboration": None,
            "title_lines": [first["title"]],
            "marker": None,
            "corpus_ids": [r["id"] for r in recs],
            "ambiguous": any(bool(r.get("ambiguous")) for r in recs),
            "readable_without_ocr": bool(readable),
            "documents": [
                {"id": e["rec"]["id"], "doc_kind": e["rec"]["doc_kind"], "kind": e["kind"], "urls": e["urls"]}
                for e in entries
            ],
        })
    return out


def site_truth(site: RealSite, base: dict[str, Any], year: int, by_id: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The template truth of the site frame, with the programme, status and look-alikes from the labels."""
    programmes = _programmes(site, year, by_id)
    own = {cid for p in programmes for cid in p["corpus_ids"]}
    status = label_status([p["status"] for p in programmes])
    without_ocr = label_status([p["status"] for p in programmes if p["readable_without_ocr"]])
    if without_ocr == "no_program_found" and status != "no_program_found":
        without_ocr = "needs_ocr"  # the programme is there, but only as a scan (docs/outputs.md)
    decoys = [
        {
            "class": e["rec"]["doc_kind"],
            "doc_kind": e["rec"]["doc_kind"],
            "id": e["rec"]["id"],
            "placement": e["placement"],
            "kind": e["kind"],
            "title": e["title"],
            "urls": e["urls"],
            "linked": e["linked"],
            "is_program_label": bool(e["rec"]["is_program"]),
        }
        for e in site.placed
        if e["rec"]["id"] not in own or e["placement"] == "neighbour"
    ]
    plans = [
        {"title": e["title"], "urls": e["urls"], "programme_title": p["title"], "kind": e["kind"]}
        for p in programmes
        for e in site.placed
        if e["placement"] == "action_plan" and e["rec"]["id"] in p["corpus_ids"]
    ]
    expected = "site_unreachable" if site.down else status
    return {
        **base,
        "scenario": "real",
        "expected_status": expected,
        "expected_status_without_faults": expected,
        "expected_status_without_ocr": "site_unreachable" if site.down else without_ocr,
        "programme_status": status,
        "programmes": programmes,
        "action_plans": plans,
        "decoys": decoys,
        "corpus_ids": sorted(e["rec"]["id"] for e in site.placed),
    }


def _shared_hosts(sites: list[RealSite]) -> list[tuple[str, str, dict[str, Any], dict[str, bytes]]]:
    """Region and external hosts with their real pages; fills each placed page's path (deterministic order)."""
    hosts: dict[str, dict[str, Any]] = {}
    files: dict[str, dict[str, bytes]] = defaultdict(dict)
    used: dict[str, set[str]] = defaultdict(set)
    for site in sites:
        for key, page, rec in site.external:
            if key not in hosts:
                if key.startswith("region-"):
                    county = counties().get(key.removeprefix("region-"))
                    name = county.region_body if county else "Regionen"
                    hosts[key] = {"kind": "region", "name": name, "pages": []}
                else:
                    hosts[key] = {"kind": "external", "name": EXTERNAL_HOSTS[key], "pages": []}
            head = heading_of(rec["text"])
            slug = slug_hyphen(head.text)[:60].strip("-") or "sida"
            path, k = (f"/{slug}/" if page["kind"] == "html" else f"/dokument/{slug}.pdf"), 2
            while path in used[key]:
                path = f"/{slug}-{k}/" if page["kind"] == "html" else f"/dokument/{slug}-{k}.pdf"
                k += 1
            used[key].add(path)
            page["path"] = path
            entry = {"path": path, "title": head.text, "kind": page["kind"], "corpus_id": rec["id"],
                     "site": site.m.code}
            if page["kind"] == "html":
                entry["body"] = html_body(rec["text"], head)
            else:
                rel = f"files/{len(files[key])}.pdf"
                files[key][rel] = render(page["kind"], rec["text"], head)
                entry["file"] = rel
            hosts[key]["pages"].append(entry)
    order = sorted(k for k in hosts if k.startswith("region-")) + [k for k in EXTERNAL_HOSTS if k in hosts]
    out = [(k, hosts[k]["kind"], hosts[k], files[k]) for k in order]
    out.append(("docmirror", "mirror", {"kind": "mirror", "entries": []}, {}))
    return out


def _finish_links(site: RealSite) -> None:
    """Links to shared-host pages become (host, path) links once the pages have paths."""
    for p in site.pages:
        for link in p["links"]:
            if "page" in link:
                link["path"] = link.pop("page")["path"]
    for e in site.placed:
        if "page" in e:
            e["urls"] = [(e["urls"][0][0], e.pop("page")["path"])]


def generate_from_corpus(out_dir: Path, corpus: Path, *, seed: int, config: SimConfig | None = None) -> Path:
    """A web of one site per municipality of ``corpus`` whose documents are its real texts."""
    records = read_corpus(corpus)
    cfg = (config or SimConfig()).replace(**REAL_CONFIG)
    plan = Plan(records, seed)
    out_dir = Path(out_dir)
    _prepare(out_dir)
    sites: list[RealSite] = []
    for m in plan.sites:
        site = RealSite(m, seed, cfg, down=m.code == plan.down, scanned=plan.scanned)
        site.place_all(plan.assigned[m.code], plan.by_id)
        sites.append(site)
    shared = _shared_hosts(sites)
    built = []
    for site in sites:
        _finish_links(site)
        site.noise_docs()
        result = assemble(site, [], [], [])
        result["truth"] = site_truth(site, result["truth"], cfg.inventory_year, plan.by_id)
        result["model"]["scenario"] = "real"
        built.append(result)
    return write_web(out_dir, built, shared, seed=seed, sites=len(built), cfg=cfg, resolve=_resolve_real)


def _resolve_real(
    truth: dict[str, Any], site_hosts: dict[str, str], hosts: dict[str, dict[str, Any]], port: int, website: str
) -> dict[str, Any]:
    out = resolve_truth(truth, site_hosts, hosts, port, website)

    def url(pair: list[str] | tuple[str, str]) -> str:
        return origin(hosts, site_hosts.get(pair[0], pair[0]), port) + pair[1]

    for p in out["programmes"]:
        p["documents"] = [{**d, "urls": [url(u) for u in d["urls"]]} for d in p["documents"]]
    return out


__all__ = ["PLACEMENT", "Heading", "generate_from_corpus", "label_status", "period_status"]
