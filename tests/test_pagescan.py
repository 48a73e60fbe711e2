"""pagescan: the link branch's edge cases (base href, skipped schemes, nested text, file blocks, rel)."""

from __future__ import annotations

from crawler.pagescan import Link, scan_html

PAGE = b"""<html><head><base href="/sub/"><title> T  x </title></head><body>
<nav class="breadcrumb"><a href="/">Hem</a> / <a href="a">A</a></nav>
<h1>Rubrik <b>fet</b></h1><div class="sv-file-list"><a href="f.pdf" title="Fil">F<span>il</span></a>
<a href=" /x.pdf " download="d.pdf"></a></div>
<a href="#top">top</a><a href="javascript:x()">j</a><a href="mailto:a@b">m</a><a href="//cdn.se/a">cdn</a>
<a href="?q=1">q</a><a href="HTTP://A.SE/">up</a><a href="ftp://a.se/">ftp</a><a rel="NOFOLLOW nofollow" href="/n">n</a>
<a rel="" href="/r">r</a><a href="">e</a><a>none</a><a href="   ">blank</a>
<form action="/sok"><input name="q" type="search"></form>
<h2>Dokument</h2><ul id="docs"><li><a href="/d.pdf">D</a></li></ul>
<a href="/x">t<!-- c -->u</a></body></html>"""


def test_links_of_a_page_with_every_edge_case() -> None:
    scan = scan_html(PAGE, "http://a.se/dir/page")
    assert (scan.title, scan.headings, scan.breadcrumb) == ("T x", "Rubrik fet", "Hem / A")
    assert scan.search_template == "http://a.se/sok?q={}"
    assert scan.links == [
        Link("http://a.se/", "Hem", ""),
        Link("http://a.se/sub/a", "A", ""),
        Link("http://a.se/sub/f.pdf", "F il Fil", "dokument Rubrik fet"),  # text of children joined by spaces
        Link("http://a.se/x.pdf", " d.pdf", "dokument Rubrik fet"),  # no text: the download name alone
        Link("http://cdn.se/a", "cdn", "Rubrik fet"),
        Link("http://a.se/sub/?q=1", "q", "Rubrik fet"),
        Link("http://A.SE/", "up", "Rubrik fet"),  # canonicalised later, by the frontier
        Link("http://a.se/n", "n", "Rubrik fet", nofollow=True),
        Link("http://a.se/r", "r", "Rubrik fet"),
        Link("http://a.se/d.pdf", "D", "Dokument"),
        Link("http://a.se/x", "t u", "Dokument"),  # a comment splits the text
    ]
