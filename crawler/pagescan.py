"""Read one HTML page into what the frontier needs: links with their context, file lists, search form.

Pure: bytes and a URL in, a ``PageScan`` out. Sitevision webapps list files only as JSON in
``AppRegistry.registerInitialState('12.…', {"files": [...]})`` with no ``<a href>`` (municipal-web.md
§1.2), so that JSON is read as links too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from lxml import etree, html

from crawler.urls import is_http

HEADINGS = {"h1", "h2", "h3", "h4", "h5"}
FILE_BLOCK_CLASS = re.compile(r"sv-file|file-?list|document|dokument|attachment|bilag", re.I)
BREADCRUMB = re.compile(r"breadcrumb|brodsmul|sokvag", re.I)
SEARCH_FIELD_NAMES = ("query", "q", "s", "search", "searchtext", "sok")
APP_REGISTRY = re.compile(r"AppRegistry\.registerInitialState\(\s*['\"][^'\"]*['\"]\s*,\s*")


@dataclass(frozen=True)
class Link:
    url: str
    anchor: str
    block: str = ""
    nofollow: bool = False


@dataclass
class PageScan:
    title: str = ""
    headings: str = ""  # h1 text
    breadcrumb: str = ""
    links: list[Link] = field(default_factory=list)
    search_template: str | None = None  # URL with "{}" where the quoted query goes
    sitevision: bool = False

    @property
    def context(self) -> str:
        return f"{self.title} {self.headings} {self.breadcrumb}"


def _text(el: Any) -> str:
    return " ".join(" ".join(el.itertext()).split()) if el is not None else ""


def scan_html(body: bytes, url: str, encoding: str | None = None) -> PageScan:
    scan = PageScan()
    if not body.strip():
        return scan
    if encoding is None:
        try:
            body.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = None  # let lxml read the meta charset
    try:
        parser = html.HTMLParser(encoding=encoding) if encoding else None
        root = html.document_fromstring(body, parser=parser, base_url=url)
    except (etree.ParserError, ValueError):
        return scan
    base = root.find(".//base[@href]")
    base_url = urljoin(url, base.get("href")) if base is not None else url
    title = root.find(".//title")
    scan.title = _text(title)
    scan.sitevision = b"sv-portlet" in body or b"AppRegistry" in body or b"sv-layout" in body
    heading = ""
    file_blocks: set[Any] = set()
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in HEADINGS:
            heading = _text(el)[:120]
            if tag == "h1" and not scan.headings:
                scan.headings = heading
        elif tag in ("div", "section", "ul", "nav", "ol", "aside"):
            cls = f"{el.get('class', '')} {el.get('id', '')} {el.get('aria-label', '')}"
            if BREADCRUMB.search(cls) and not scan.breadcrumb:
                scan.breadcrumb = _text(el)[:300]
            elif FILE_BLOCK_CLASS.search(cls):
                file_blocks.add(el)
        elif tag == "a":
            href = (el.get("href") or "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
                continue
            absolute = urljoin(base_url, href)
            if not is_http(absolute):
                continue
            anchor = " ".join(x for x in (_text(el), el.get("title") or "", el.get("download") or "") if x)
            block = heading
            if any(parent in file_blocks for parent in el.iterancestors()):
                block = f"dokument {heading}"
            scan.links.append(Link(absolute, anchor[:300], block, "nofollow" in (el.get("rel") or "")))
        elif tag == "form" and scan.search_template is None:
            scan.search_template = _search_template(el, base_url)
    scan.links.extend(app_registry_links(body, base_url))
    return scan


def _search_template(form: Any, base_url: str) -> str | None:
    if (form.get("method") or "get").lower() != "get":
        return None
    for field_el in form.iter("input"):
        name = (field_el.get("name") or "").strip()
        kind = (field_el.get("type") or "text").lower()
        if name.lower() in SEARCH_FIELD_NAMES and kind in ("text", "search"):
            action = urljoin(base_url, form.get("action") or base_url)
            if not is_http(action):
                return None
            parts = urlsplit(action)
            sep = "&" if parts.query else "?"
            return f"{action.split('#')[0]}{sep}{quote(name)}={{}}"
    return None


def app_registry_links(body: bytes, base_url: str) -> list[Link]:
    """Files listed in Sitevision AppRegistry JSON: any object with a "files" list of {name, url|uri}."""
    if b"AppRegistry" not in body:
        return []
    text = body.decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    links: list[Link] = []
    for match in APP_REGISTRY.finditer(text):
        try:
            state, _ = decoder.raw_decode(text, match.end())
        except ValueError:
            continue
        for item in _files(state):
            target = item.get("url") or item.get("uri") or item.get("href")
            if isinstance(target, str) and target:
                absolute = urljoin(base_url, target)
                if is_http(absolute):
                    links.append(Link(absolute, str(item.get("name") or ""), "dokument filer"))
    return links


def _files(node: Any, depth: int = 0) -> list[dict[str, Any]]:
    if depth > 6:
        return []
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        files = node.get("files")
        if isinstance(files, list):
            found.extend(f for f in files if isinstance(f, dict))
        for value in node.values():
            if isinstance(value, dict | list):
                found.extend(_files(value, depth + 1))
    elif isinstance(node, list):
        for value in node:
            found.extend(_files(value, depth + 1))
    return found


def search_url(template: str, term: str) -> str:
    """Fill a search template with a UTF-8 percent-encoded term (some servers fail on raw å/ä/ö)."""
    return template.replace("{}", quote(term, safe=""))
