"""Request routing for the simulated web: (host, method, target) -> Response, with the traps of §2.9.

``Web`` loads a generated directory and answers requests for every host: it picks the handler by host
kind and path, and leaves what a site's pages say to ``sitepages``. It knows nothing about
sockets (``serve`` does that) and nothing about per-request faults (``faults`` does that), so it
can be tested by calling ``Web.route`` directly.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, unquote_to_bytes, urlencode

from . import render as R
from .documents import tiny_pdf
from .generate import load_manifest
from .responses import Response, day_timestamp, html_response, redirect
from .sitepages import FACET_KEYS, SiteRuntime

SV_STATE_PARAMS = re.compile(r"^(sv\.url|sv\.target|state|open\.12_.*|sv\.12\..*\.route|sv\.contenttype)$")


class Web:
    """Every host of a generated web, answering requests. ``port`` is the served port."""

    def __init__(self, web_dir: Path, port: int, cfg: Any) -> None:
        self.dir = Path(web_dir)
        self.manifest = load_manifest(self.dir)
        self.port, self.cfg = port, cfg
        self.hosts: dict[str, dict[str, Any]] = self.manifest["hosts"]
        self.sites: dict[str, SiteRuntime] = {}
        for code in self.manifest["codes"]:
            model = json.loads((self.dir / "sites" / code / "site.json").read_text(encoding="utf-8"))
            self.sites[code] = SiteRuntime(self, model, self.dir / "sites" / code)
        self.shared: dict[str, dict[str, Any]] = {}
        self.cache: dict[tuple[str, str], Response] = {}
        for key, h in self.hosts.items():
            if h["kind"] in ("region", "mirror", "external"):
                self.shared[key] = json.loads((self.dir / "shared" / key / "site.json").read_text(encoding="utf-8"))

    def origin(self, key: str) -> str:
        return f"http://{self.hosts[key]['addr']}:{self.port}"

    def route(self, key: str, method: str, target: str, attempt: int) -> Response:
        """Answer one request; identical requests to session-free hosts are answered from a small cache."""
        host = self.hosts[key]
        cacheable = host["kind"] != "thirdparty" and not (
            host["site"] and "jsessionid" in self.sites[host["site"]].traps
        )
        if cacheable and (key, target) in self.cache:
            return self.cache[(key, target)]
        resp = self._route(key, host, target, attempt)
        if cacheable:
            if len(self.cache) >= 4096:
                self.cache.clear()
            self.cache[(key, target)] = resp
        return resp

    def _route(self, key: str, host: dict[str, Any], target: str, attempt: int) -> Response:
        kind = host["kind"]
        if kind in ("main", "sister"):
            site = self.sites[host["site"]]
            resp = self.route_site(site, "main", target, attempt, sister=kind == "sister")
            if kind == "sister" and resp.trap is None:
                resp.trap = "sister_domain"
            return resp
        if kind == "business":
            return self.route_site(self.sites[host["site"]], "business", target, attempt, sister=False)
        if kind == "twin":
            return self.route_twin(self.sites[host["site"]], target)
        if kind == "cms":
            return self.route_cms(self.sites[host["site"]], target)
        if kind == "meeting":
            return self.route_meeting(self.sites[host["site"]], target)
        if kind == "region":
            return self.route_region(key, target)
        if kind == "mirror":
            return self.route_mirror(target)
        if kind == "external":
            return self.route_external(key, target)
        return html_response("<!DOCTYPE html><html><body><p>Extern tjänst (simulerad)</p></body></html>")

    def route_site(self, site: SiteRuntime, role: str, target: str, attempt: int, sister: bool) -> Response:
        m = site.m
        path, _, query = target.partition("?")
        trap: str | None = None
        if ";jsessionid=" in path:
            path = path.split(";jsessionid=")[0]
            trap = "jsessionid"
        raw_params = [
            (unquote_to_bytes(k.replace("+", " ")), unquote_to_bytes(v.replace("+", " ")))
            for k, _, v in (p.partition("=") for p in query.split("&") if p)
        ]
        params = dict(parse_qsl(query, keep_blank_values=True))
        charset = "iso-8859-1" if m["latin1"] else "utf-8"
        session = "jsessionid" in site.traps
        links = site.links(f"{m['code']}:{target}:{attempt}", session)
        if role == "main":
            if path == "/robots.txt":
                if m["robots"] is None:
                    return self.missing(site, path)
                body = m["robots"].replace("{origin}", self.origin(key_of(m, "main")))
                return Response(200, body.encode(), [("Content-Type", "text/plain; charset=utf-8")])
            if path.startswith("/sitemap"):
                sm = site.sitemap(path, self.origin(key_of(m, "main")))
                return sm if sm is not None else self.missing(site, path)
            s = m["search"]
            if path == s["path"] and s["param"] in params:
                resp = site.search(query, raw_params, links)
                resp.trap = resp.trap or trap
                return resp
            if path == "/dokumentbibliotek" and "facets" in site.traps:
                page = site.pages[m["styr"]]
                body = site.library(params, links)
                t = "facets" if any(params.get(k) for k in (*FACET_KEYS, "lp-page")) else trap
                return html_response(site.render(page, host=role, links=links, main_html=body), charset=charset, trap=t)
            if path == "/static/main.css":
                return Response(200, b"body{font-family:sans-serif}", [("Content-Type", "text/css")])
            if m["platform"] == "legacy" and path == "/":
                return redirect("/default.aspx")
        doc = site.doc_by_path[role].get(unquote(path)) or site.doc_by_path[role].get(path)
        if doc is not None:
            return self.document(site, doc, trap)
        if role == "main" and path.startswith("/download/18."):
            node = path.split("/")[2]
            cur = site.sv_nodes.get(node)
            if cur is not None and "stale_download" in site.traps:
                return redirect(cur["path"], 301, trap="stale_download")
            return self.missing(site, path, trap="stale_download")
        if path.startswith("/Global/"):
            return self.missing(site, path, trap="stale_download")
        year_page = re.fullmatch(r"/nyheter/arkiv/(\d{4})/?", path)
        if year_page and role == "main":
            return self.news_year(site, int(year_page.group(1)), links, charset)
        if "sida/" in path and "sida_loop" in site.traps:
            base = re.sub(r"(sida/)+$", "", path)
            page = site.by_path[role].get(base)
            if page is not None and page["id"] == m["sida_page"]:
                return html_response(site.render(page, host=role, links=links), charset=charset, trap="sida_loop")
        key = path
        for name in ("di", "page_id"):  # ASP.NET ?di=N and WordPress /?page_id=N: the query names the page
            if name in params and f"{path}?{name}={params[name]}" in site.by_path[role]:
                key = f"{path}?{name}={params[name]}"
        page = site.by_path[role].get(key) or site.by_path[role].get(unquote(key))
        if page is None:
            alias = re.fullmatch(r"/4\.([0-9a-f]+)/12\.[0-9a-f]+\.html", path)
            if alias and "sv_state" in site.traps:
                pid = int(alias.group(1), 16)
                if pid < len(site.pages):
                    return html_response(
                        site.render(site.pages[pid], host=role, links=links, variant_depth=1),
                        charset=charset,
                        trap="sv_state",
                    )
            return self.missing(site, path, trap=trap)
        if "AspxAutoDetectCookieSupport" in params and "redirect_loop" in site.traps:
            hops = int(params.get("hop", "0") or 0)
            loops = random.Random(f"{m['code']}:loop").random() < 0.5
            limit = random.Random(f"{m['code']}:hops").randint(2, 5)
            if loops or hops < limit:
                nxt = {**params, "hop": str(hops + 1 if not loops else (hops + 1) % 2)}
                return redirect(f"{path}?{urlencode(nxt)}", trap="redirect_loop")
            return redirect(key, trap="redirect_loop")
        if params.get("print") == "true":
            return html_response(
                site.render(page, host=role, links=links, print_view=True), charset=charset, trap="print_share"
            )
        if page["kind"] == "calendar":
            body = site.calendar(page, params, links)
            t = "calendar" if ("date" in params or "month" in params) else trap
            return html_response(
                site.render(page, host=role, links=links, main_html=body),
                charset=charset,
                trap=t,
                last_modified=day_timestamp(page["updated"]),
            )
        if page["kind"] == "newsarchive":
            body = site.news_archive(page, params, links)
            t = "news_paging" if (params.get("page", "1") != "1" or "tag" in params) else trap
            return html_response(
                site.render(page, host=role, links=links, main_html=body),
                charset=charset,
                trap=t,
                last_modified=day_timestamp(page["updated"]),
            )
        depth = 0
        if any(SV_STATE_PARAMS.match(k) for k in params) and "sv_state" in site.traps:
            trap = "sv_state"
            route = next((v for k, v in params.items() if k.endswith(".route")), "/0")
            depth = int(route.strip("/") or 0) if route.strip("/").isdigit() else 1
            depth = max(depth, 1)
        html_text = site.render(page, host=role, links=links, variant_depth=depth)
        if m["platform"] == "legacy" and "redirect_loop" in site.traps and page["id"] == m["home"]:
            probe = f"{site.pages[m['business']]['path']}&AspxAutoDetectCookieSupport=1"
            html_text = html_text.replace("</main>", f'<p><a href="{R.e(probe)}">Företag</a></p></main>')
        return html_response(html_text, charset=charset, trap=trap, last_modified=day_timestamp(page["updated"]))

    def news_year(self, site: SiteRuntime, year: int, links: R.Links, charset: str) -> Response:
        """Yearly news archives: the last three years exist, older ones were removed (410 Gone)."""
        iy = self.cfg.inventory_year
        if not iy - 8 <= year <= iy:
            return self.missing(site, f"/nyheter/arkiv/{year}")
        if year < iy - 2:
            resp = html_response(R.not_found_page(site.m["name"]), status=410, trap="news_paging")
            resp.etag = False
            return resp
        items = [p for p in site.news if p["updated"].startswith(str(year))]
        body = (
            f"<h1>Nyheter {year}</h1><ul>"
            + "".join(f"<li>{links.a(p['path'], p['title'])}</li>" for p in items)
            + "</ul>"
        )
        page = site.pages[site.m["news_archive"]]
        return html_response(site.render(page, host="main", links=links, main_html=body), charset=charset)

    def missing(self, site: SiteRuntime, path: str, trap: str | None = None) -> Response:
        if "soft404" in site.traps:
            return html_response(R.not_found_page(site.m["name"]), trap=trap or "soft404")
        resp = html_response(R.not_found_page(site.m["name"]), status=404, trap=trap)
        resp.etag = False
        return resp

    def document(self, site: SiteRuntime, doc: dict[str, Any], trap: str | None) -> Response:
        data = site.doc_bytes(doc)
        ctype = (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            if doc["kind"] == "docx"
            else "application/pdf"
        )
        if doc["wrong_type"] and self.cfg.faults_enabled:
            ctype = random.Random(f"{site.m['code']}:{doc['id']}:ct").choice(["application/octet-stream", "text/html"])
        headers = [("Content-Type", ctype)]
        if doc["disposition"]:
            name = doc["filename"]
            ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
            headers.append(
                ("Content-Disposition", f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}")
            )
        return Response(200, data, headers, trap, doc["last_modified"])

    def route_twin(self, site: SiteRuntime, target: str) -> Response:
        """The non-www host: 301 to the same path on the main host, or (Oskarshamn type) 302 to its home page."""
        main = self.origin(key_of(site.m, "main"))
        if site.m["twin_home"]:
            return redirect(main + "/", 302)
        return redirect(main + target, 301)

    def route_cms(self, site: SiteRuntime, target: str) -> Response:
        """A headless WordPress cms. host: the uploads, WordPress's robots.txt, the root redirects to the site."""
        path = target.partition("?")[0]
        if path == "/robots.txt":
            body = b"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"
            return Response(200, body, [("Content-Type", "text/plain; charset=utf-8")])
        if path == "/":
            return redirect(self.origin(key_of(site.m, "main")) + "/", 302)
        doc = site.doc_by_path["cms"].get(unquote(path)) or site.doc_by_path["cms"].get(path)
        if doc is not None:
            return self.document(site, doc, None)
        resp = html_response("<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>", status=404)
        resp.etag = False
        return resp

    def route_meeting(self, site: SiteRuntime, target: str) -> Response:
        path = target.partition("?")[0]
        if path == "/robots.txt":
            if site.m["meeting_block_all"]:
                return Response(200, b"User-agent: *\nDisallow: /\n", [("Content-Type", "text/plain")])
            return Response(404, b"", [("Content-Type", "text/plain")], etag=False)
        if path == "/":
            return html_response(
                '<!DOCTYPE html><html><body><div id="app" data-board="digital-bulletin-board">'
                '</div><script src="/app.js"></script><a href="/digital-bulletin-board">'
                "Digital anslagstavla</a></body></html>"
            )
        if path == "/digital-bulletin-board":
            y = self.cfg.inventory_year
            items = "".join(
                f'<li><a href="/document/{i}.pdf">Protokoll kommunstyrelsen '
                f"{y - i // 6}-{1 + i % 12:02d}-1{i % 9}</a></li>"
                for i in range(12)
            )
            return html_response(f"<!DOCTYPE html><html><body><h1>Anslagstavla</h1><ul>{items}</ul></body></html>")
        mm = re.fullmatch(r"/document/(\d+)\.pdf", path)
        if mm:
            lines = [
                f"Protokoll kommunstyrelsen, {site.m['name']} kommun",
                f"§ {int(mm.group(1)) + 10} Ärende",
                "Beslut: Kommunstyrelsen beslutar enligt förslaget.",
            ]
            return Response(200, tiny_pdf(lines), [("Content-Type", "application/pdf")])
        return Response(404, b"Not found", [("Content-Type", "text/plain")], etag=False)

    def route_region(self, key: str, target: str) -> Response:
        model, path = self.shared[key], target.partition("?")[0]
        if "pages" in model:  # a region host of the real-text web: its real documents
            return self.route_external(key, target)
        if path == "/":
            return html_response(
                f'<!DOCTYPE html><html><body><h1>{R.e(model["name"])}</h1><a href="/regional-'
                f'utvecklingsstrategi/">{R.e(model["rus"])}</a></body></html>'
            )
        if path == "/regional-utvecklingsstrategi/":
            return html_response(
                f"<!DOCTYPE html><html><body><h1>{R.e(model['rus'])}</h1><p>Den regionala "
                f'utvecklingsstrategin antas av {R.e(model["name"])}.</p><a href="/regional-'
                'utvecklingsstrategi/rus.pdf">Ladda ner strategin (pdf)</a></body></html>'
            )
        if path == "/regional-utvecklingsstrategi/rus.pdf":
            data = (self.dir / "shared" / key / model["file"]).read_bytes()
            return Response(200, data, [("Content-Type", "application/pdf")])
        return Response(404, b"Not found", [("Content-Type", "text/plain")], etag=False)

    def route_mirror(self, target: str) -> Response:
        model, path = self.shared["docmirror"], target.partition("?")[0]
        entries = {e["code"]: e for e in model["entries"]}
        if path == "/":
            items = "".join(f'<li><a href="/dokument/{c}/">{R.e(e["title"])}</a></li>' for c, e in entries.items())
            return html_response(f"<!DOCTYPE html><html><body><h1>Dokumentarkiv</h1><ul>{items}</ul></body></html>")
        mm = re.fullmatch(r"/dokument/(\d{4})/(dokument\.(?:pdf|docx))?", path)
        if mm and mm.group(1) in entries:
            e = entries[mm.group(1)]
            if mm.group(2):
                return Response(200, (self.dir / e["file"]).read_bytes(), [("Content-Type", "application/pdf")])
            ext = "docx" if e["kind"] == "docx" else "pdf"
            return html_response(
                f"<!DOCTYPE html><html><body><h1>{R.e(e['title'])}</h1><p>Uppladdat av en "
                f'användare.</p><a href="/dokument/{mm.group(1)}/dokument.{ext}">Ladda ner</a>'
                "</body></html>"
            )
        return Response(404, b"Not found", [("Content-Type", "text/plain")], etag=False)

    def route_external(self, key: str, target: str) -> Response:
        """A shared host of the real-text web (region, press, party, agency, foreign): a home page listing
        its pages, each page with the real text as main content, documents as files (see simweb.realweb)."""
        model, path = self.shared[key], unquote(target.partition("?")[0])
        pages = model["pages"]
        name = R.e(model["name"])
        nav = f'<header><a class="logo" href="/">{name}</a></header>'
        if path == "/":
            items = "".join(f'<li><a href="{R.e(p["path"])}">{R.e(p["title"])}</a></li>' for p in pages)
            return html_response(
                f'<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>{name}</title></head>'
                f"<body>{nav}<main><h1>{name}</h1><ul>{items}</ul></main></body></html>"
            )
        if path == "/robots.txt":
            return Response(200, b"User-agent: *\nDisallow: /admin/\n", [("Content-Type", "text/plain; charset=utf-8")])
        page = next((p for p in pages if p["path"] == path), None)
        if page is None:
            resp = html_response("<!DOCTYPE html><html><body><h1>Sidan finns inte</h1></body></html>", status=404)
            resp.etag = False
            return resp
        if page["kind"] != "html":
            data = (self.dir / "shared" / key / page["file"]).read_bytes()
            ctype = (
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                if page["kind"] == "docx"
                else "application/pdf"
            )
            return Response(200, data, [("Content-Type", ctype)])
        return html_response(
            f'<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>{R.e(page["title"])} - {name}'
            f'</title></head><body>{nav}<main id="content">{page["body"]}</main><footer><a href="/">{name}</a>'
            "</footer></body></html>"
        )


def key_of(model: dict[str, Any], role: str) -> str:
    return str(model["hosts"][role])
