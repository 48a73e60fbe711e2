from __future__ import annotations

import pytest

from crawler.urls import canonical_url, dedupe_key, host_variants, is_http, trap_family


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.x.se/a/b.html;jsessionid=0AF3B2C1?x=1#top", "https://www.x.se/a/b.html?x=1"),
        ("https://x.se/p.html?sv.url=12.4b05d&state=view", "https://x.se/p.html"),
        ("https://x.se/p.html?sv.target=12.ab&sv.12.ab.route=/list", "https://x.se/p.html"),
        ("https://x.se/p.html?open.12_4b05d=true", "https://x.se/p.html"),
        ("https://x.se/p.html?print=true&utm_source=fb", "https://x.se/p.html"),
        ("https://x.se/a.aspx?id=3&AspxAutoDetectCookieSupport=1", "https://x.se/a.aspx?id=3"),
        ("https://x.se/default.aspx?di=9535", "https://x.se/default.aspx?di=9535"),
        ("https://x.se/?page_id=42", "https://x.se/?page_id=42"),
        ("HTTPS://WWW.X.SE:443/Kommun--Politik/Styrdokument/", "https://www.x.se/Kommun--Politik/Styrdokument/"),
        ("http://127.0.1.2:8080/a", "http://127.0.1.2:8080/a"),
    ],
)
def test_canonical_url_strips_state_keeps_identity(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_dedupe_key_collapses_order_and_trailing_slash() -> None:
    assert dedupe_key("https://x.se/a/?b=1&a=2") == dedupe_key("https://x.se/a?a=2&b=1")
    assert dedupe_key("https://x.se/a") != dedupe_key("https://x.se/A")  # paths keep case


@pytest.mark.parametrize(
    ("url", "family"),
    [
        ("https://x.se/evenemang?date=2026-05-01", "calendar"),
        ("https://x.se/kalender.html?month=2026-05", "calendar"),
        ("https://x.se/styrdokument.html?lp-page=2", "paging"),
        ("https://x.se/nyheter?page=17", "paging"),
        ("https://x.se/sok?query=bidrag&startAtHit=20", "search"),
        ("https://x.se/bibliotek?typ=plan&amne=naringsliv&ar=2020", "facet"),
        ("https://x.se/4.1a2b3c/12.4d5e6f.html", "portlet_alias"),
        ("https://x.se/sida/sida/sida/", "repeated_segment"),
    ],
)
def test_trap_families(url: str, family: str) -> None:
    found = trap_family(url)
    assert found is not None and found[0] == family


@pytest.mark.parametrize(
    "url",
    ["https://x.se/naringsliv/naringslivsprogram.html", "https://x.se/default.aspx?di=9535",
     "https://x.se/download/18.abc/1700000000000/Program.pdf", "https://x.se/?page_id=42"],
)
def test_ordinary_pages_are_not_traps(url: str) -> None:
    assert trap_family(url) is None


def test_paging_family_key_ignores_page_number_only() -> None:
    a, b = trap_family("https://x.se/lista?lp-page=2"), trap_family("https://x.se/lista?lp-page=9")
    assert a == b
    assert a != trap_family("https://x.se/annan?lp-page=2")


def test_host_variants() -> None:
    assert host_variants("www.Kommun.se") == {"kommun.se", "www.kommun.se"}
    assert host_variants("127.0.1.5") == {"127.0.1.5"}


@pytest.mark.parametrize(("url", "expected"), [
    # a fresh session id per link: every variant is one page (and one cache entry below the session)
    ("https://Kommun.se:443/a;jsessionid=1?sv.url=x&id=2", "https://kommun.se/a?id=2"),
    ("https://Kommun.se:443/a;jsessionid=2?sv.url=y&id=2", "https://kommun.se/a?id=2"),
    ("https://kommun.se/a;sid=3/b;PHPSESSID=4", "https://kommun.se/a/b"),
    # only the path loses a session id; one in the query is a value like any other
    ("https://kommun.se/a?x=;jsessionid=1", "https://kommun.se/a?x=%3Bjsessionid%3D1"),
    ("http://kommun.se:8080/;jsessionid=1", "http://kommun.se:8080/"),
    ("  http://kommun.se#top ", "http://kommun.se/"),
])
def test_canonical_url_drops_session_ids_only_from_the_path(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(("url", "expected"), [
    ("http://a.se/", True), ("https://a.se", True), ("HTTPS://a.se/", True), ("mailto:x@a.se", False),
    ("ftp://a.se/", False), ("/relative", False), ("http:relative", True), ("", False),
])
def test_is_http(url: str, expected: bool) -> None:
    assert is_http(url) is expected


@pytest.mark.parametrize(("url", "expected"), [
    ("http://A.se:0080/x", "http://a.se/x"), ("https://a.se:443", "https://a.se/"),
    ("http://a.se:08080/x", "http://a.se:8080/x"), ("https://a.se:80/x", "https://a.se:80/x"),
])
def test_canonical_url_ports(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_refuses_a_port_out_of_range() -> None:
    with pytest.raises(ValueError, match="out of range"):
        canonical_url("http://a.se:65536/")


PLAIN = ["http://a.se", "http://a.se/", "https://WWW.Kommun.SE/Näringsliv/Program.pdf", "http://a.se.:8080/x/",
         "http://a.se:80/", "https://a.se:443/x", "http://a.se//double//slash", "http://a.se/a/../b/./c",
         "http://a.se/%C3%A5%20x", "http://a-b.c-d.se/x-y_z~", "http://127.0.1.5:38217/sites/1/", "http://a.se/x:y@z",
         "https://a.se/a,b!c$d&e'f(g)h*i+j=k", "http://localhost/", "http://1.2.3.4/x", "https://a.se:00443/x"]


@pytest.mark.parametrize("url", PLAIN)
def test_the_plain_url_fast_paths_equal_the_general_ones(url: str) -> None:
    """canonical_url and dedupe_key skip urlsplit for plain URLs; they must give what the general path gives."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    from crawler.urls import PLAIN_URL, _canonical_parts

    assert PLAIN_URL.fullmatch(url), "not a fast-path URL: the test would prove nothing"
    parts = urlsplit(url)
    general = _canonical_parts(parts.scheme, parts.netloc, parts.path, parts.query)
    assert canonical_url(url) == general
    key = urlsplit(general)
    assert dedupe_key(url) == urlunsplit(("", key.netloc, key.path.rstrip("/") or "/",
                                          urlencode(sorted(parse_qsl(key.query, keep_blank_values=True))), ""))


# Issue 16 item 1: every URL form urllib accepts keeps its host (an IPv6 literal keeps its brackets).
IPV6_AND_ODD = [
    ("http://[::1]:8080/x.pdf", "http://[::1]:8080/x.pdf"),
    ("http://[::1]/", "http://[::1]/"),
    ("https://[2001:DB8::1]:443/a?b=1", "https://[2001:db8::1]/a?b=1"),
    ("http://[::ffff:127.0.0.1]:80/", "http://[::ffff:127.0.0.1]/"),
    ("http://[fe80::1%25eth0]:8080/x", "http://[fe80::1%25eth0]:8080/x"),
    ("http://user:secret@a.se/x", "http://a.se/x"),
    ("http://a.se:/x", "http://a.se/x"),
    ("HTTP://A.SE/x#frag", "http://a.se/x"),
]


@pytest.mark.parametrize(("url", "expected"), IPV6_AND_ODD)
def test_canonical_url_keeps_every_host_form(url: str, expected: str) -> None:
    from urllib.parse import urlsplit

    out = canonical_url(url)
    assert out == expected
    parts = urlsplit(out)
    assert parts.hostname == urlsplit(url).hostname.lower()  # type: ignore[union-attr]
    assert parts.port == urlsplit(expected).port  # parses again: the next step does not raise
    assert dedupe_key(out).startswith(f"//{parts.netloc}")
