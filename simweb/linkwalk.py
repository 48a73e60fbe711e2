"""A naive breadth-first link walk over a served model, without sockets (for tests and sanity checks).

It answers "can this URL be reached by following <a href> links from the home page?", which is
what truth.json's ``reachability`` claims. It is deliberately not a crawler: no scoring, no
politeness; it calls ``routes.Web.route`` directly.
"""

from __future__ import annotations

import html
import re
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from .routes import Web

_HREF = re.compile(r'href="([^"]+)"')


@dataclass
class Walk:
    seen: set[str] = field(default_factory=set)
    fetched: list[tuple[str, int, str | None]] = field(default_factory=list)  # (url, status, trap)
    traps: Counter[str] = field(default_factory=Counter)


def target_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def walk(
    web: Web,
    start_key: str,
    *,
    limit: int = 2000,
    hosts: set[str] | None = None,
    follow: Callable[[str], bool] = lambda url: True,
    normalise: Callable[[str], str] = lambda url: url,
) -> Walk:
    """Fetch pages breadth-first from ``start_key``'s home, staying on ``hosts`` (default: that host).

    ``normalise`` maps each discovered URL before de-duplication (e.g. strip ``;jsessionid``).
    """
    addr_to_key = {h["addr"]: k for k, h in web.hosts.items()}
    allowed = hosts or {start_key}
    start = web.origin(start_key) + "/"
    out = Walk(seen={start})
    queue = deque([start])
    while queue and len(out.fetched) < limit:
        url = queue.popleft()
        key = addr_to_key.get(urlsplit(url).hostname or "")
        if key is None or key not in allowed:
            continue
        resp = web.route(key, "GET", target_of(url), 1)
        out.fetched.append((url, resp.status, resp.trap))
        if resp.trap:
            out.traps[resp.trap] += 1
        headers = dict(resp.headers)
        found: list[str] = []
        if resp.status in (301, 302):
            found.append(headers["Location"])
        elif resp.status == 200 and "html" in headers.get("Content-Type", ""):
            charset = "latin-1" if "iso-8859-1" in headers["Content-Type"] else "utf-8"
            found = [html.unescape(h) for h in _HREF.findall(resp.body.decode(charset, "replace"))]
        base = url[: url.index("/", 8)]
        for href in found:
            if href.startswith(("mailto:", "#", "javascript:")):
                continue
            # root-relative and absolute hrefs are nearly all of them; urljoin only for the rest
            if href.startswith("/") and not href.startswith("//"):
                joined = base + href
            elif href.startswith("http://"):
                joined = href
            else:
                joined = urljoin(url, href)
            nxt = normalise(joined)
            if nxt not in out.seen and follow(nxt):
                out.seen.add(nxt)
                queue.append(nxt)
    return out
