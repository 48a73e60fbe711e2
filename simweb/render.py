"""HTML of simulated pages: heavy templated chrome (megamenu, breadcrumb, sub-menu, footer) around content.

Pure functions of the site model plus a ``Links`` helper that decides how each internal href is
written (absolute origin, trap decorations). Everything random is seeded by (site, page), so a
page renders the same on every request except where a trap says otherwise (``;jsessionid``).
"""

from __future__ import annotations

import functools
import html
import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .wording import FILLER, expand

# escaping the same titles and paths over and over is most of a page's render time; memoise it
e = functools.lru_cache(maxsize=65536)(html.escape)


@dataclass
class Links:
    """Writes hrefs for one response: root-relative internal links, decorated by the site's traps."""

    origin: str
    traps: frozenset[str]
    session: str = ""  # the jsessionid of this response ("" when the trap is off)
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    jsession_share: float = 0.3

    def href(self, path: str) -> str:
        if self.session and self.rng.random() < self.jsession_share and "?" not in path:
            return f"{path};jsessionid={self.session}"
        return path

    def a(self, path: str, text: str, cls: str = "") -> str:
        c = f' class="{cls}"' if cls else ""
        return f'<a href="{e(self.href(path))}"{c}>{e(text)}</a>'


def size_label(n: int, sitevision: bool, ext: str = "pdf") -> str:
    """'Pdf, 4.5 MB' (Sitevision file portlet) or '(pdf, 621 kB)' elsewhere."""
    if sitevision:
        size = f"{n / 1_000_000:.1f} MB" if n > 1_000_000 else f"{max(1, n // 1000)} kB"
        return f"{ext.capitalize()}, {size}"
    return f"({ext}, {max(1, n // 1000)} kB)"


def filler(rng: random.Random, kommun: str, topic: str, n: int) -> str:
    slots = {"kommun": kommun, "topic": topic.lower()}
    return "".join(f"<p>{e(expand(rng, rng.choice(FILLER), slots))}</p>" for _ in range(n))


def boilerplate(rng: random.Random, kilobytes: int, sv: bool) -> str:
    """Cookie banner, analytics and inline config of the size real municipal pages carry (§2.4)."""
    parts = [
        '<div id="cookie-banner" class="cookie-consent" hidden><p>Vi använder kakor för att webbplatsen '
        "ska fungera och för statistik.</p><button>Godkänn alla</button><button>Endast nödvändiga</button>"
        "</div>"
    ]
    keys = ["menuState", "analytics", "searchConfig", "i18n", "breakpoints", "icons", "portletState"]
    while sum(map(len, parts)) < kilobytes * 1000:
        blob = json.dumps({k: [hex(rng.getrandbits(48)) for _ in range(12)] for k in keys})
        name = "sv.PageContext" if sv else "window.__CMS_STATE__"
        parts.append(f"<script>{name}=Object.assign({name}||{{}},{blob});</script>")
        parts.append(
            '<svg class="icon" aria-hidden="true" viewBox="0 0 24 24"><path d="M'
            + " ".join(f"{rng.randint(0, 24)} {rng.randint(0, 24)}" for _ in range(30))
            + '"/></svg>'
        )
    return "".join(parts)


def page_html(
    *,
    title: str,
    kommun: str,
    lang_meta: str,
    menu: str,
    breadcrumb: str,
    subnav: str,
    main: str,
    footer: str,
    utility: str,
    canonical: str,
    sv_markup: bool,
    boiler: str = "",
) -> str:
    body_cls = "sv-layout sv-use-margins" if sv_markup else "page"
    return (
        f'<!DOCTYPE html><html lang="sv"><head>{lang_meta}<title>{e(title)} - {e(kommun)} kommun</title>'
        f'<link rel="canonical" href="{e(canonical)}"><meta name="viewport" content="width=device-width">'
        f'<link rel="stylesheet" href="/static/main.css">{boiler}</head>'
        f'<body class="{body_cls}"><a class="skip" href="#content">Gå direkt till innehåll</a>'
        f'<header><a class="logo" href="/">{e(kommun)} kommun</a>{utility}</header>'
        f'{menu}{breadcrumb}<div class="wrap">{subnav}<main id="content">{main}</main></div>{footer}'
        "</body></html>"
    )


def megamenu(sections: Iterable[tuple[dict[str, Any], list[dict[str, Any]]]], links: Links, sv: bool) -> str:
    parts = ['<nav class="megamenu" aria-label="Huvudmeny"><ul>']
    for sec, children in sections:
        cls = "sv-channel-item" if sv else "menu-item"
        parts.append(f'<li class="{cls}">{links.a(sec["path"], sec["title"])}<ul class="sub">')
        parts.extend(f"<li>{links.a(c['path'], c['title'])}</li>" for c in children)
        parts.append("</ul></li>")
    parts.append("</ul></nav>")
    return "".join(parts)


def breadcrumb(chain: list[dict[str, Any]], links: Links) -> str:
    items = "".join(f"<li>{links.a(p['path'], p['title'])}</li>" for p in chain)
    return f'<nav class="breadcrumb" aria-label="Brödsmulor"><ol>{items}</ol></nav>'


def subnav(
    siblings: list[dict[str, Any]],
    children: list[dict[str, Any]],
    current: int,
    links: Links,
    variant: Callable[[str], list[tuple[str, str]]],
) -> str:
    parts = ['<nav class="subnav"><ul>']
    for s in siblings:
        parts.append(f"<li>{links.a(s['path'], s['title'], 'current' if s['id'] == current else '')}")
        if s["id"] == current and children:
            parts.append("<ul>")
            for c in children:
                parts.append(f"<li>{links.a(c['path'], c['title'])}")
                parts.extend(f' <a href="{e(h)}" class="state">{e(t)}</a>' for h, t in variant(c["path"]))
                parts.append("</li>")
            parts.append("</ul>")
        parts.append("</li>")
    parts.append("</ul></nav>")
    return "".join(parts)


def doc_block(items: list[tuple[str, str, str]], heading: str = "Dokument") -> str:
    """items: (href, link text, size label)."""
    if not items:
        return ""
    lis = "".join(
        f'<li class="sv-file-portlet"><a href="{e(h)}">{e(t)}</a> <span>{e(s)}</span></li>' for h, t, s in items
    )
    return f'<div class="documents"><h2>{e(heading)}</h2><ul>{lis}</ul></div>'


def app_registry(portlet: str, files: list[dict[str, Any]]) -> str:
    """Sitevision webapp: the file list exists only as JSON in a script (no <a href>)."""
    state = json.dumps({"files": files}, ensure_ascii=False).replace("</", "<\\/")
    return (
        f'<div id="12.{portlet}" class="sv-portlet webapp"></div><script>'
        f"AppRegistry.registerInitialState('12.{portlet}',{state});</script>"
    )


def footer(items: list[tuple[str, str]], social: list[tuple[str, str]], links: Links) -> str:
    own = "".join(f"<li>{links.a(h, t)}</li>" for h, t in items)
    ext = "".join(f'<li><a href="{e(h)}" rel="noopener">{e(t)}</a></li>' for h, t in social)
    return f'<footer><ul class="footer-links">{own}</ul><ul class="social">{ext}</ul></footer>'


def search_form(path: str, param: str) -> str:
    return (
        f'<form class="search" action="{e(path)}" method="get"><label>Sök <input name="{e(param)}" '
        'type="search"></label><button>Sök</button></form>'
    )


def not_found_page(kommun: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Sidan kunde inte hittas - '
        f"{e(kommun)} kommun</title></head><body><h1>Sidan kunde inte hittas</h1><p>Sidan du söker finns "
        'inte längre eller har flyttats. <a href="/">Till startsidan</a></p></body></html>'
    )


def share_links(page_url: str, third: str) -> list[tuple[str, str]]:
    u = quote(page_url, safe="")
    return [
        (f"{third}/cgi-bin/rsent?customerid=8123&lang=sv_se&readid=content&url={u}", "Lyssna"),
        (f"{third}/sharer/sharer.php?u={u}", "Dela på Facebook"),
        (f"{third}/sharing/share-offsite/?url={u}", "Dela på LinkedIn"),
        (f"mailto:?subject=Tips&body={u}", "Tipsa via e-post"),
    ]
