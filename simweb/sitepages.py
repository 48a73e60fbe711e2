"""The pages of one generated site, rendered at request time from its model: page chrome and content, the
home page's extras, calendar, news archive, document library, site search and sitemaps.

``routes.Web`` decides which of these answers a request; this module never sees a request line.
"""

from __future__ import annotations

import gzip
import random
import re
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from . import render as R
from .documents import tiny_pdf
from .page_titles import FACET_AMNEN, FACET_NAMNDER, POPULAR_QUERIES
from .responses import Response, html_response
from .urlstyle import SV_PLATFORMS, fold

FACET_KEYS = ("typ", "namnd", "ar", "amne")


class Origins(Protocol):
    """What a site needs of the web around it: the served addresses and the settings."""

    cfg: Any

    def origin(self, key: str) -> str: ...


class SiteRuntime:
    """Indexes of one generated site; pages are rendered on demand."""

    def __init__(self, web: Origins, model: dict[str, Any], site_dir: Path) -> None:
        self.web, self.m, self.dir = web, model, site_dir
        self.pages: list[dict[str, Any]] = model["pages"]
        self.docs: list[dict[str, Any]] = model["docs"]
        self.sv = model["platform"] in SV_PLATFORMS
        self.traps = frozenset(model["traps"])
        self.children: dict[int, list[dict[str, Any]]] = {}
        self.by_path: dict[str, dict[str, dict[str, Any]]] = {"main": {}, "business": {}, "cms": {}}
        for p in self.pages:
            if p["parent"] is not None and not p["orphan"]:
                self.children.setdefault(p["parent"], []).append(p)
            self.by_path[p["host"]][p["path"]] = p
        self.doc_by_path: dict[str, dict[str, dict[str, Any]]] = {"main": {}, "business": {}, "cms": {}}
        self.sv_nodes: dict[str, dict[str, Any]] = {}
        for d in self.docs:
            for path in [d["path"], *d["alt_paths"]]:
                self.doc_by_path[d["host"]][path] = d
                if path.startswith("/download/18."):
                    self.sv_nodes[path.split("/")[2]] = d
        self.news = [p for p in self.pages if p["kind"] == "news"]
        self.file_cache: dict[int, bytes] = {}
        self.chrome_cache: dict[str, tuple[str, str, str]] = {}
        r = random.Random(f"{model['code']}:boiler")
        kb = {"small": (8, 20), "medium": (15, 40), "large": (30, 80)}[model["size"]]
        self.boiler = R.boilerplate(r, r.randint(*kb), self.sv)

    # -------------------------------------------------------------- helpers
    def origin(self, role: str) -> str:
        return self.web.origin(self.m["hosts"].get(role, role))

    def chain(self, page: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        p: dict[str, Any] | None = page
        while p is not None:
            out.append(p)
            p = self.pages[p["parent"]] if p["parent"] is not None else None
        return out[::-1]

    def doc_bytes(self, doc: dict[str, Any]) -> bytes:
        data = self.file_cache.get(doc["id"])
        if data is None:
            if doc["file"]:
                data = (self.dir / doc["file"]).read_bytes()
            else:
                data = tiny_pdf(
                    [
                        doc["title"],
                        f"{self.m['name']} kommun",
                        "",
                        *R.FILLER[:0],
                        f"Dokumentet gäller {doc['title'].lower()}.",
                    ]
                )
            self.file_cache[doc["id"]] = data
        return data

    @cached_property
    def search_index(self) -> list[tuple[str, str, str]]:
        """(folded haystack, href, title) for every searchable page and document."""
        out = []
        for p in self.pages:
            if p["host"] != "main" or (p["orphan"] and not p.get("in_search")):
                continue
            out.append((fold(f"{p['title']} {p.get('search_text', '')}").lower(), p["path"], p["title"]))
        for d in self.docs:
            if d["host"] in ("main", "cms") and d["search"]:  # WordPress search also finds cms.-hosted uploads
                href = d["path"] if d["host"] == "main" else self.origin("cms") + d["path"]
                out.append((fold(f"{d['title']} {d['filename']} {d['text']}").lower(), href, d["title"]))
        return out

    # -------------------------------------------------------------- page rendering
    def links(self, seed_key: str, session: bool) -> R.Links:
        rng = random.Random(seed_key)
        sess = "".join(rng.choice("0123456789ABCDEF") for _ in range(32)) if session else ""
        return R.Links(
            origin="", traps=self.traps, session=sess, rng=rng, jsession_share=self.web.cfg.jsessionid_link_share
        )

    def state_variants(self, path: str, depth: int = 0) -> list[tuple[str, str]]:
        if "sv_state" not in self.traps:
            return []
        q = self.m["portlet"]
        return [
            (f"{path}?sv.url=12.{q}&state=view", "Visa"),
            (f"{path}?open.12_{q}=true", "Öppna"),
            (f"{path}?sv.target=12.{q}&sv.12.{q}.route=/{depth + 1}", "Mer"),
        ]

    def render(
        self,
        page: dict[str, Any],
        *,
        host: str,
        links: R.Links,
        variant_depth: int = 0,
        main_html: str | None = None,
        print_view: bool = False,
    ) -> str:
        m = self.m
        rng = random.Random(f"{m['code']}:{page['id']}")
        home = (
            self.pages[m["home"]]
            if host != "business"
            else next(p for p in self.pages if p["host"] == "business" and p["kind"] == "home")
        )
        chain = self.chain(page)
        parent = self.pages[page["parent"]] if page["parent"] is not None else None
        siblings = self.children.get(parent["id"], []) if parent else []
        kids = self.children.get(page["id"], [])
        third = self.web.origin("thirdparty")
        page_url = self.origin(host) + page["path"]
        if main_html is None:
            main_html = self.main_content(page, host=host, links=links, rng=rng, kids=kids)
        if "sv_state" in self.traps and variant_depth:
            main_html += "".join(
                f'<p><a href="{R.e(h)}">{R.e(t)}</a></p>' for h, t in self.state_variants(page["path"], variant_depth)
            )
            main_html += f'<p><a href="/4.{page["id"]:x}/12.{m["portlet"]}.html">Visa som portlet</a></p>'
        if "print_share" in self.traps:
            share = R.share_links(page_url, third)
            main_html += '<div class="share">' + "".join(
                f'<a href="{R.e(h)}" rel="nofollow">{R.e(t)}</a> ' for h, t in share
            )
            main_html += f'<a href="{R.e(page["path"])}?print=true">Skriv ut</a></div>'
        if print_view:
            return (
                f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{R.e(page["title"])}</title></head>'
                f'<body class="print">{main_html}</body></html>'
            )
        menu, utility, foot = self.chrome(host, home, links)
        # LEGACY with Latin-1: the header says ISO-8859-1 while the page still claims UTF-8 (§2.12)
        meta = '<meta charset="utf-8">'
        return R.page_html(
            title=page["title"],
            kommun=m["name"],
            lang_meta=meta,
            menu=menu,
            breadcrumb=R.breadcrumb(chain, links),
            subnav=R.subnav(siblings or [page], kids, page["id"], links, self.state_variants),
            main=main_html,
            footer=foot,
            utility=utility,
            canonical=page_url,
            sv_markup=self.sv,
            boiler=self.boiler if host == "main" else "",
        )

    def chrome(self, host: str, home: dict[str, Any], links: R.Links) -> tuple[str, str, str]:
        """Megamenu, utility bar and footer: the same on every page of a host unless hrefs carry a session."""
        cached = self.chrome_cache.get(host)
        if cached is not None and not links.session:
            return cached
        m = self.m
        third = self.web.origin("thirdparty")
        menu_ids = home.get("menu") or [c["id"] for c in self.children.get(home["id"], [])]
        sections = [(self.pages[i], self.children.get(i, [])) for i in menu_ids]
        utility_pages = [
            p for p in self.children.get(home["id"], []) if p["kind"] in ("utility", "newsarchive", "calendar")
        ]
        utility = (
            '<ul class="utility">'
            + "".join(f"<li>{links.a(p['path'], p['title'])}</li>" for p in utility_pages)
            + "</ul>"
        )
        if host == "main":
            utility += R.search_form(m["search"]["path"], m["search"]["param"])
        footer_items = [(p["path"], p["title"]) for p in utility_pages[-4:]]
        social = [(f"{third}/kommun/{m['code']}", "Facebook"), (f"{third}/in/{m['code']}", "Instagram")]
        out = (R.megamenu(sections, links, self.sv), utility, R.footer(footer_items, social, links))
        if not links.session:
            self.chrome_cache[host] = out
        return out

    def main_content(
        self, page: dict[str, Any], *, host: str, links: R.Links, rng: random.Random, kids: list[dict[str, Any]]
    ) -> str:
        m = self.m
        # a real document's body carries its own <h1> (its heading line, where the text has it)
        parts = [] if page.get("real") else [f"<h1>{R.e(page['title'])}</h1>"]
        if page.get("body"):
            parts.append(page["body"])
        else:
            parts.append(R.filler(rng, m["name"], page["title"], rng.randint(2, 6)))
        if kids and page["kind"] not in ("newsarchive",):
            parts.append(
                '<ul class="children">' + "".join(f"<li>{links.a(k['path'], k['title'])}</li>" for k in kids) + "</ul>"
            )
        items = []
        # the label shows a brochure-like size (x97): real programmes are MB-sized, our files are a few kB
        for did in page["docs"]:
            d = self.docs[did]
            href = d["path"] if d["host"] == host else self.origin(d["host"]) + d["path"]
            items.append(
                (
                    links.href(href),
                    d["link_text"],
                    R.size_label(len(self.doc_bytes(d)) * 97, self.sv, "docx" if d["kind"] == "docx" else "pdf"),
                )
            )
        for did, alt in page.get("alt_links", []):
            d = self.docs[did]
            items.append(
                (
                    alt if d["host"] == host else self.origin(d["host"]) + alt,
                    d["link_text"],
                    R.size_label(len(self.doc_bytes(d)) * 97, self.sv, "docx" if d["kind"] == "docx" else "pdf"),
                )
            )
        parts.append(R.doc_block(items))
        if page["json_docs"]:
            files = [
                {
                    "id": f"18.{i}",
                    "name": self.docs[i]["filename"],
                    "uri": self.docs[i]["path"],
                    "url": self.origin("main") + self.docs[i]["path"],
                    "fileSize": len(self.doc_bytes(self.docs[i])),
                    "lastModifiedDateTime": self.docs[i]["last_modified"] * 1000,
                }
                for i in page["json_docs"]
            ]
            parts.append(R.app_registry(m["portlet"], files))
        for link in page["links"]:
            parts.append(
                f'<p class="external"><a href="{R.e(self.origin(link["host"]) + link["path"])}">'
                f"{R.e(link['text'])}</a></p>"
            )
        if page.get("mentions_programme"):
            hub = self.pages[m["prog_hub"]]
            parts.append(f"<p>Läs mer om {links.a(hub['path'], hub['title'].lower())}.</p>")
        if page["kind"] == "news" and "stale_download" in self.traps and rng.random() < 0.5:
            parts.append(self.stale_link(rng))
        if page["kind"] == "news" and "twin" in m["hosts"] and rng.random() < 0.3:
            # an editor pasted an address of the non-www host: on an Oskarshamn-type twin it lands on the home page
            target = rng.choice([p for p in self.pages[:400] if p["host"] == "main" and not p["orphan"]])
            parts.append(
                f'<p>Läs mer på <a href="{R.e(self.origin("twin") + target["path"])}">{R.e(target["title"])}</a></p>'
            )
        if page["id"] == m["sida_page"] and "sida_loop" in self.traps:
            parts.append('<p><a href="sida/">Mer information</a></p>')
        if page["title"] in ("Sammanträden och protokoll", "Anslagstavla") and "meeting" in m["hosts"]:
            # protocols live in a separate meeting system (MeetingsPlus-like), as on many real sites
            parts.append(
                f'<p><a href="{self.origin("meeting")}/digital-bulletin-board">Digital anslagstavla och '
                "protokoll (extern tjänst)</a></p>"
            )
        if page["id"] == m["sister_link_page"] and "sister" in m["hosts"]:
            parts.append(f'<p><a href="{self.origin("sister")}/">Kulturskolans webbplats</a></p>')
        if page["id"] == m["styr"] and "facets" in self.traps:
            parts.append(f"<p>{links.a('/dokumentbibliotek', 'Sök i dokumentbiblioteket')}</p>")
        if page["id"] == m["home"]:
            parts.append(self.home_extras(links))
        if page["kind"] == "page" and host == "main" and rng.random() < 0.4:
            rel = rng.sample([p for p in self.pages[:400] if p["host"] == "main" and not p["orphan"]], 4)
            parts.append(
                '<div class="related"><h2>Relaterade sidor</h2><ul>'
                + "".join(f"<li>{links.a(p['path'], p['title'])}</li>" for p in rel)
                + "</ul></div>"
            )
        parts.append(f'<p class="updated">Senast uppdaterad: {page["updated"]}</p>')
        return "".join(parts)

    def stale_link(self, rng: random.Random) -> str:
        # decoys only: a stale link to the programme would make an orphan programme link-reachable
        docs = [d for d in self.docs if d["host"] == "main" and d["role"] in ("decoy", "noise")]
        if not docs:
            return ""
        d = rng.choice(docs)
        if d["path"].startswith("/download/18."):
            node = d["path"].split("/")[2]
            href = f"/download/{node}/{d['last_modified'] * 1000 - 86_400_000}/{d['path'].rsplit('/', 1)[1]}"
        else:  # a link into the previous platform's scheme: 404 today
            href = f"/Global/Naringsliv/{quote(d['filename'])}"
        return f'<p>Dokumentet finns här: <a href="{R.e(href)}">{R.e(d["title"])}</a></p>'

    def home_extras(self, links: R.Links) -> str:
        m = self.m
        news = sorted(self.news, key=lambda p: p["updated"], reverse=True)[:5]
        out = (
            ['<div class="news"><h2>Nyheter</h2><ul>']
            + [f"<li>{links.a(p['path'], p['title'])}</li>" for p in news]
            + ["</ul></div>"]
        )
        if "search_links" in self.traps:
            s = m["search"]
            out.append('<div class="popular"><h2>Populära sökningar</h2><ul>')
            for q in POPULAR_QUERIES:
                href = f"{s['path']}?{urlencode({s['param']: q, s['page_param']: 0 if self.sv else 1})}"
                out.append(f"<li>{links.a(href, q)}</li>")
            out.append("</ul></div>")
        if "calendar" in self.traps:
            cal = self.pages[m["calendar"]]
            sep = "&" if "?" in cal["path"] else "?"
            today = f"{cal['path']}{sep}date={self.web.cfg.inventory_year}-05-01"
            out.append(f"<p>{links.a(today, 'Evenemang idag')}</p>")
        return "".join(out)

    # -------------------------------------------------------------- special pages
    def calendar(self, page: dict[str, Any], params: dict[str, str], links: R.Links) -> str:
        y = self.web.cfg.inventory_year
        raw = params.get("date") or (params.get("month", "") + "-01" if params.get("month") else f"{y}-05-01")
        try:
            day = datetime.strptime(raw[:10], "%Y-%m-%d")
        except ValueError:
            day = datetime(y, 5, 1)
        ordinal = day.toordinal()
        prev, nxt = datetime.fromordinal(ordinal - 1), datetime.fromordinal(ordinal + 1)
        sep = "&" if "?" in page["path"] else "?"
        rng = random.Random(f"{self.m['code']}:cal:{ordinal}")
        events = "".join(
            f"<li>{R.e(rng.choice(['Sagostund', 'Konsert', 'Loppis', 'Företagarfrukost', 'Guidad tur']))}"
            f" {day:%Y-%m-%d}</li>"
            for _ in range(rng.randint(1, 4))
        )
        nav = ""
        if "calendar" in self.traps:
            nav = (
                f"<p>{links.a(page['path'] + sep + f'date={prev:%Y-%m-%d}', 'Föregående dag')} "
                f"{links.a(page['path'] + sep + f'date={nxt:%Y-%m-%d}', 'Nästa dag')} "
                f"{links.a(page['path'] + sep + f'month={nxt:%Y-%m}', 'Nästa månad')}</p>"
            )
        return f"<h1>Evenemang {day:%Y-%m-%d}</h1><ul>{events}</ul>{nav}"

    def news_archive(self, page: dict[str, Any], params: dict[str, str], links: R.Links) -> str:
        try:
            n = max(1, int(params.get("page", "1")))
        except ValueError:
            n = 1
        items = sorted(self.news, key=lambda p: (p["updated"], p["id"]), reverse=True)
        last = self.web.cfg.news_max_pages if "news_paging" in self.traps else max(1, -(-len(items) // 10))
        shown = [items[(i) % len(items)] for i in range((n - 1) * 10, n * 10)] if items else []
        sep = "&" if "?" in page["path"] else "?"
        out = [f"<h1>Nyheter</h1><p>Sida {n}</p><ul>"]
        out += [f"<li>{links.a(p['path'], p['title'])} <span>{p['updated']}</span></li>" for p in shown]
        out.append("</ul>")
        if n < last:
            out.append(f"<p>{links.a(page['path'] + sep + f'page={n + 1}', 'Nästa sida')}</p>")
        if n > 1:
            out.append(f"<p>{links.a(page['path'] + sep + f'page={n - 1}', 'Föregående sida')}</p>")
        years = range(self.web.cfg.inventory_year, self.web.cfg.inventory_year - 8, -1)
        out.append("<p>Arkiv: " + " ".join(links.a(f"/nyheter/arkiv/{y}/", str(y)) for y in years) + "</p>")
        if "news_paging" in self.traps:
            out.append(
                "<p>Taggar: "
                + " ".join(
                    links.a(page["path"] + sep + f"tag={t}", t) for t in ("naringsliv", "skola", "kultur", "trafik")
                )
                + "</p>"
            )
        return "".join(out)

    def library(self, params: dict[str, str], links: R.Links) -> str:
        """Faceted document library: 4 combinable facets plus lp-page paging; the programme only under some."""
        styr = self.pages[self.m["styr"]]
        docs = [self.docs[i] for c in self.children.get(styr["id"], []) for i in c["docs"]]
        y = self.web.cfg.inventory_year

        def facets_of(d: dict[str, Any]) -> dict[str, str]:
            r = random.Random(f"{self.m['code']}:facet:{d['id']}")
            typ = next(
                (
                    t
                    for t in ("Program", "Strategi", "Plan", "Policy", "Riktlinje", "Reglemente")
                    if t.lower() in d["title"].lower()
                ),
                "Övrigt",
            )
            return {
                "typ": typ,
                "namnd": r.choice(FACET_NAMNDER),
                "ar": str(r.randint(y - 8, y)),
                "amne": r.choice(FACET_AMNEN),
            }

        chosen = {k: params[k] for k in FACET_KEYS if params.get(k)}
        hits = [d for d in docs if all(facets_of(d)[k] == v for k, v in chosen.items())]
        try:
            lp = max(1, int(params.get("lp-page", "1")))
        except ValueError:
            lp = 1
        values = {
            "typ": ["Program", "Strategi", "Plan", "Policy", "Riktlinje", "Reglemente", "Övrigt"],
            "namnd": FACET_NAMNDER,
            "ar": [str(v) for v in range(y - 8, y + 1)],
            "amne": FACET_AMNEN,
        }
        out = ["<h1>Dokumentbibliotek</h1>"]
        for k in FACET_KEYS:
            out.append(f"<h2>{k}</h2><ul>")
            for v in values[k]:
                q = {**chosen, k: v}
                out.append(f"<li>{links.a('/dokumentbibliotek?' + urlencode(q), v)}</li>")
            out.append("</ul>")
        out.append('<ul class="hits">')
        for d in hits[(lp - 1) * 10 : lp * 10]:
            out.append(f"<li>{links.a(d['path'], d['link_text'])}</li>")
        out.append("</ul>")
        # the pager keeps offering a next page, as real portlets do, even past the last hit
        out.append(f"<p>{links.a('/dokumentbibliotek?' + urlencode({**chosen, 'lp-page': lp + 1}), 'Nästa')}</p>")
        return "".join(out)

    def search(self, raw_query: str, params_raw: list[tuple[bytes, bytes]], links: R.Links) -> Response:
        s = self.m["search"]
        qbytes = next((v for k, v in params_raw if k == s["param"].encode()), b"")
        try:
            query = qbytes.decode("utf-8")
        except UnicodeDecodeError:
            if self.m["platform"] == "legacy":
                query = qbytes.decode("latin-1")
            elif s["err500"]:
                return html_response("<h1>Ett fel uppstod</h1>", status=500)
            else:
                query = qbytes.decode("utf-8", "replace")
        start_raw = next((v for k, v in params_raw if k == s["page_param"].encode()), b"")
        try:
            start = int(start_raw or 0)
        except ValueError:
            start = 0
        offset = start if s["page_param"] == "startAtHit" else max(0, start - 1) * 10
        terms = fold(query.replace("+", " ")).lower().split()
        hits = [(h, t) for hay, h, t in self.search_index if terms and all(term in hay for term in terms)]
        out = [f"<h1>Sökresultat för {R.e(query)}</h1><p>{len(hits)} träffar</p><ol>"]
        for href, title in hits[offset : offset + 10]:
            out.append(f"<li>{links.a(href, title)}</li>")
        out.append("</ol>")
        if offset + 10 < len(hits):
            nxt = offset + 10 if s["page_param"] == "startAtHit" else start + 1 if start else 2
            out.append(
                f"<p>{links.a(s['path'] + '?' + urlencode({s['param']: query, s['page_param']: nxt}), 'Nästa')}</p>"
            )
        page = self.pages[self.m["home"]]
        return html_response(
            self.render(page, host="main", links=links, main_html="".join(out)),
            charset="iso-8859-1" if self.m["latin1"] else "utf-8",
            trap="search_links" if start else None,
        )

    def sitemap(self, name: str, origin: str) -> Response | None:
        sm = self.m["sitemap"]
        if not sm["present"]:
            return None
        entries = self.sitemap_entries(origin)
        if sm["gz_index"]:
            half = len(entries) // 2 + 1
            parts = [entries[:half], entries[half:]]
            if name == "/sitemap.xml":
                body = (
                    '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/'
                    'schemas/sitemap/0.9">'
                    + "".join(f"<sitemap><loc>{origin}/sitemap{i + 1}.xml.gz</loc></sitemap>" for i in range(2))
                    + "</sitemapindex>"
                )
                return Response(200, body.encode(), [("Content-Type", "application/xml")])
            m = re.fullmatch(r"/sitemap([12])\.xml\.gz", name)
            if not m:
                return None
            xml = _urlset(parts[int(m.group(1)) - 1])
            return Response(200, gzip.compress(xml, mtime=0), [("Content-Type", "application/x-gzip")])
        if name != "/sitemap.xml":
            return None
        return Response(200, _urlset(entries), [("Content-Type", "application/xml")])

    def sitemap_entries(self, origin: str) -> list[tuple[str, str]]:
        sm, m = self.m["sitemap"], self.m
        skip: set[str] = set()
        if sm["missing_programme"]:
            skip.add(self.pages[m["prog_hub"]]["path"])
        out = []
        for p in self.pages:
            if p["host"] != "main" or (p["orphan"] and not p.get("in_sitemap")) or p["path"] in skip:
                continue
            out.append((origin + R.e(p["path"]), p["updated"]))
        if not sm["pages_only"]:
            # files that sit only on an orphan page outside the sitemap, or only in JSON, stay out
            listed = {i for p in self.pages if not p["orphan"] or p.get("in_sitemap") for i in p["docs"]}
            for d in self.docs:
                if d["id"] not in listed:
                    continue
                if d["host"] == "main" and not (sm["missing_programme"] and d["role"] == "programme"):
                    out.append(
                        (origin + R.e(d["path"]), datetime.fromtimestamp(d["last_modified"], UTC).strftime("%Y-%m-%d"))
                    )
        if sm["stale"]:
            out += [(f"{origin}/borttagen-sida-{i}.html", "2019-01-01") for i in range(3)]
        return out


def _urlset(entries: list[tuple[str, str]]) -> bytes:
    body = "".join(f"<url><loc>{loc}</loc><lastmod>{lm}</lastmod></url>" for loc, lm in entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{body}</urlset>"
    ).encode()
