"""URL canonicalisation and crawler-trap families (pure functions).

Municipal CMSs decorate links with session ids and portlet state (Sitevision ``sv.url``, ``state=``,
``open.12_…``), and generate unbounded families of near-duplicate pages (calendars, list paging, facets,
search-result pages). ``canonical_url`` removes the decoration so duplicates collapse; ``trap_family``
names the family a URL belongs to so the frontier can cap how many members it fetches.
See ../shared/research/municipal-web.md §1.2, §1.4 and §3 item 11.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only carry CMS state or tracking; dropping them never changes which page is shown.
STATE_PARAMS: tuple[str, ...] = (
    "sv.url", "sv.target", "state", "print", "sv.contenttype", "aspxautodetectcookiesupport",
    "fbclid", "gclid", "sessionid", "jsessionid", "phpsessid", "aspsessionid",
)
STATE_PARAM_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^sv\.\d+\..*\.route$", re.I),  # sv.12.<hex>.route=/path (portlet routing)
    re.compile(r"^open\.12_", re.I),  # accordion open/closed state (Torsby)
    re.compile(r"^utm_", re.I),
)
# ;jsessionid=... inside the path (Söderhamn) and other matrix-style session ids.
SESSION_IN_PATH = re.compile(r";(?:jsessionid|sid|phpsessid)=[^/?#]*", re.I)
# Most links: http(s), a plain host name, perhaps a port, a path without parameters, no user, query or fragment.
PLAIN_URL = re.compile(r"(?P<scheme>https?)://(?P<host>[A-Za-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?(?P<path>/[^?#;\s]*)?")

# Trap families: (name, how to recognise a member, cap on fetched members per family key).
# Paging caps at 3 because a styrdokument library's pages 1-3 can still hold the programme (§3 item 11).
PAGING_PARAMS = ("page", "lp-page", "p", "sida", "startathit", "start", "offset", "pagenumber")
CALENDAR_PARAMS = ("date", "month", "year", "week", "day", "from", "to", "datum", "manad")
SEARCH_PARAMS = ("query", "q", "s", "search", "searchstring", "sok")


@dataclass(frozen=True)
class TrapRule:
    family: str
    cap: int


TRAP_RULES: dict[str, TrapRule] = {
    "calendar": TrapRule("calendar", 2),
    "paging": TrapRule("paging", 3),
    "facet": TrapRule("facet", 4),
    "search": TrapRule("search", 6),
    "portlet_alias": TrapRule("portlet_alias", 0),  # /4.<page>/12.<portlet>.html: always a duplicate
    "repeated_segment": TrapRule("repeated_segment", 0),  # /sida/sida/sida/ relative-link bug
}

PORTLET_ALIAS = re.compile(r"/4\.[0-9a-f]+/12\.[0-9a-f]+\.html$", re.I)
CALENDAR_PATH = re.compile(r"/(?:kalender|evenemang|calendar|events?)(?:[./]|$)", re.I)
DATE_IN_PATH = re.compile(r"/(?:19|20)\d\d[-/](?:0[1-9]|1[0-2])(?:[-/]\d\d)?(?:/|$)")


def _is_state_param(name: str) -> bool:
    low = name.lower()
    return low in STATE_PARAMS or any(p.match(name) for p in STATE_PARAM_PATTERNS)


@lru_cache(maxsize=65536)  # menus repeat the same hrefs on every page
def canonical_url(url: str) -> str:
    """Strip fragments, session ids and CMS state parameters; keep identity parameters and path case.

    Parameters keep their order (``di=``, ``id=``, ``page_id=`` are page identities on legacy CMSs);
    the host is lower-cased and default ports dropped.
    """
    url = url.strip()
    plain = PLAIN_URL.fullmatch(url)
    if plain and (plain["port"] is None or int(plain["port"]) <= 65535):
        # Nothing to strip: what the general path below makes of it, without urlsplit (out-of-range ports
        # go there to raise the same ValueError).
        scheme, host, port = plain["scheme"], plain["host"].lower(), plain["port"]
        if port is not None and (scheme, int(port)) not in (("http", 80), ("https", 443)):
            host = f"{host}:{int(port)}"
        return f"{scheme}://{host}{plain['path'] or '/'}"
    parts = urlsplit(url)
    path = SESSION_IN_PATH.sub("", parts.path) if ";" in parts.path else parts.path
    # A CMS that puts a fresh ;jsessionid= into every link makes every href new to the cache above; the
    # rest of the work (query parsing, state parameters) is cached on the parts without the session id.
    return _canonical_parts(parts.scheme, parts.netloc, path, parts.query)


@lru_cache(maxsize=8192)  # ~0.5 kB an entry; plain URLs never get here
def _canonical_parts(scheme: str, netloc: str, path: str, query: str) -> str:
    parts = SplitResult(scheme, netloc, path, query, "")
    scheme = scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal: without its brackets the port (and the next urlsplit) is lost
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_state_param(k)]
    return urlunsplit((scheme, netloc, path or "/", urlencode(kept, doseq=True), ""))


@lru_cache(maxsize=65536)
def dedupe_key(url: str) -> str:
    """A key under which URL variants that show the same resource collide (sorted query, no trailing slash)."""
    canonical = canonical_url(url)
    plain = PLAIN_URL.fullmatch(canonical)
    if plain:  # no query to sort: the general path below, without urlsplit and urlunsplit
        netloc = plain["host"] if plain["port"] is None else f"{plain['host']}:{plain['port']}"
        return f"//{netloc}{(plain['path'] or '').rstrip('/') or '/'}"
    parts = urlsplit(canonical)
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("", parts.netloc, path, urlencode(query), ""))


def _repeated_segment(path: str) -> bool:
    segments = [s for s in path.split("/") if s]
    run = 1
    for a, b in zip(segments, segments[1:], strict=False):
        run = run + 1 if a == b else 1
        if run >= 3:
            return True
    return False


def trap_family(url: str) -> tuple[str, str] | None:
    """Return ``(family, key)`` if the URL belongs to a family of generated pages, else None.

    The key groups members that differ only in the generated parameter, so the frontier can count
    members per key and stop at the family's cap.
    """
    parts = urlsplit(url)
    path = parts.path
    base = f"{(parts.hostname or '').lower()}{path}"
    if PORTLET_ALIAS.search(path):
        return "portlet_alias", base
    if _repeated_segment(path):
        return "repeated_segment", base
    params = parse_qsl(parts.query, keep_blank_values=True)
    names = [k.lower() for k, _ in params]
    if any(n in SEARCH_PARAMS for n in names):
        return "search", base
    if any(n in CALENDAR_PARAMS for n in names) or DATE_IN_PATH.search(path):
        return "calendar", base
    if CALENDAR_PATH.search(path) and params:
        return "calendar", base
    non_empty = [(k, v) for k, v in params if v and k.lower() not in PAGING_PARAMS]
    # A facet URL filters one listing by several values at once (Hallsberg, Länsstyrelsen);
    # identity params such as di= or id= come alone.
    if len(non_empty) >= 2 or (len(params) >= 4 and not any(n in ("di", "id", "page_id") for n in names)):
        return "facet", base
    if any(n in PAGING_PARAMS for n in names):
        rest = sorted((k, v) for k, v in params if k.lower() not in PAGING_PARAMS)
        return "paging", f"{base}?{urlencode(rest)}"
    return None


def host_variants(host: str) -> set[str]:
    """The host plus its www / non-www twin (municipal sites answer on both)."""
    host = host.lower()
    bare = host.removeprefix("www.")
    return {bare, f"www.{bare}"} if not _is_ip(bare) else {bare}


def bare_host(host: str) -> str:
    """The host name of ``host`` or ``host:port`` (an IPv6 literal in brackets too), lower-cased; "" when
    urllib cannot read it."""
    try:
        return (urlsplit(f"//{host}").hostname or "").lower()
    except ValueError:
        return ""


def _is_ip(host: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host))


def is_http(url: str) -> bool:
    # The prefix test is what urlsplit would conclude for these, without splitting (called for every link).
    return url.startswith(("http://", "https://")) or urlsplit(url).scheme in ("http", "https")
