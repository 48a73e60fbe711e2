"""The keyword baseline of ``make bench-real``: a plain breadth-first Scrapy crawler with programme words.

Per municipality it stays on the municipality's hosts (the listed website, the host it redirects to, and
the ``cms.``/business-promotion subdomains a real ``allowed_domains=["<kommun>.se"]`` would allow), obeys
robots.txt, follows links breadth-first within the same request budget as the pipeline, and keeps every
page or document whose title, anchor or URL carries a programme word (``PROGRAMME_WORDS``). The best kept
one (``rank``) is the programme; its tags are read by keywords from its text and its period from years in
its title. Writes one inventory-like JSON row per municipality.

    python bench/keyword_baseline.py --sites sites.json --year 2026 --budget 200 --out rows.jsonl
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROGRAMME_WORDS = re.compile(
    r"näringslivs(?:program|strategi|plan|policy|politisk)|tillväxt(?:program|strategi)|"
    r"(?:program|strategi|plan|policy) för (?:hållbar )?(?:tillväxt|näringsliv)|"
    r"handlingsplan för näringsliv|plan för näringslivsutveckling",
    re.IGNORECASE,
)
# the URL form of the same words (slugs drop the ä: naringslivsprogram, tillvaxtstrategi)
URL_WORDS = re.compile(r"n[aä]ringslivs-?(?:program|strategi|plan|policy)|tillv[aä]xt-?(?:program|strategi)",
                       re.IGNORECASE)
TAG_WORDS = {
    "rus_link": re.compile(r"regional(?:a)? utvecklingsstrategi|\bRUS\b|regionalt utvecklingsprogram", re.I),
    "intermunicipal_link": re.compile(r"kommunalförbund|mellankommunal|business region|grannkommun|"
                                      r"samverkan med (?:\w+ )?kommuner", re.I),
    "action_plan": re.compile(r"handlingsplan|aktivitetsplan|genomförandeplan|åtgärdsplan", re.I),
    "sustainability": re.compile(r"hållbar utveckling|hållbarhet|agenda 2030|hållbart näringsliv", re.I),
    "business_collaboration": re.compile(r"tillsammans med (?:det lokala )?näringslivet|dialog med (?:företag|"
                                         r"näringsliv)|företagarna|näringslivsråd", re.I),
    "annual_activities": re.compile(r"årlig(?:a)? (?:handlingsplan|aktivitetsplan)|varje år|per år", re.I),
}
YEARS = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")
DOC_TYPES = ("application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")


def program_type(title: str) -> str:
    low = title.lower()
    hits = [(m.start(), kind) for kind, rx in (("tillvaxt", r"tillväxt"), ("naringsliv", r"näringslivs"))
            if (m := re.search(rx, low))]
    return min(hits)[1] if hits else "annat"


def period(title: str) -> tuple[int | None, int | None]:
    """Years in the title: two -> (first, last); one -> horizon year (end) when it is not in the past."""
    years = [int(y) for y in YEARS.findall(title)]
    if len(years) >= 2:
        return min(years), max(years)
    if len(years) == 1:
        return None, years[0]
    return None, None


def rank(hit: dict[str, Any]) -> tuple[int, int, int, int]:
    """Larger is better: a programme word in the title, then the anchor, then the URL; documents over pages;
    the newest end year; then the earliest found (breadth-first order)."""
    where = 4 * bool(hit["in_title"]) + 2 * bool(hit["in_anchor"]) + bool(hit["in_url"])
    return (where, int(hit["document"]), hit["valid_to"] or 0, -hit["order"])


def document_text(body: bytes, ctype: str) -> tuple[str, str]:
    """(title, text) of a PDF or DOCX; empty strings when it cannot be read (a scan has no text layer)."""
    try:
        if "pdf" in ctype or body[:5] == b"%PDF-":
            import pypdfium2 as pdfium

            pdf = pdfium.PdfDocument(body)
            text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(min(len(pdf), 5)))
            title = (pdf.get_metadata_dict().get("Title") or "").strip()
            return title or text.strip().split("\n", 1)[0][:200], text
        import docx

        d = docx.Document(io.BytesIO(body))
        text = "\n".join(p.text for p in d.paragraphs)
        return (d.core_properties.title or text.strip().split("\n", 1)[0])[:200], text
    except Exception:  # noqa: BLE001 - an unreadable file is a miss for the baseline, as for a plain crawler
        return "", ""


def outcome(hits: list[dict[str, Any]], year: int, reached: bool) -> dict[str, Any]:
    """The inventory row of one municipality from its kept hits."""
    empty: dict[str, Any] = {"program_url": None, "program_title": None, "program_type": None, "valid_from": None,
                             "valid_to": None, "regional_category": None, **{t: None for t in TAG_WORDS}}
    if not reached:
        return {"status": "site_unreachable", **empty}
    if not hits:
        return {"status": "no_program_found", **empty}
    best = max(hits, key=rank)
    tags = {t: bool(rx.search(best["text"])) for t, rx in TAG_WORDS.items()}
    regional = "rus" if tags["rus_link"] else "intermunicipal" if tags["intermunicipal_link"] else "none"
    expired = best["valid_to"] is not None and best["valid_to"] < year
    return {
        "status": "expired_only" if expired else "program_found",
        "program_url": best["url"],
        "program_title": best["title"],
        "program_type": program_type(best["title"]),
        "valid_from": best["valid_from"],
        "valid_to": best["valid_to"],
        "regional_category": regional,
        **tags,
    }


def run(sites: list[dict[str, Any]], year: int, budget: int) -> list[dict[str, Any]]:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    results: dict[str, dict[str, Any]] = {}

    class KeywordSpider(scrapy.Spider):
        name = "keyword_baseline"
        custom_settings = {
            "DEPTH_PRIORITY": 1,  # breadth-first: FIFO queues, shallower first
            "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
            "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
        }

        def __init__(self, site: dict[str, Any], **kw: Any) -> None:
            super().__init__(**kw)
            self.site = site
            self.allowed = {urlsplit(h).netloc for h in site["hosts"]}
            self.sent, self.order = 1, 0
            self.seen: set[str] = set()
            self.hits: list[dict[str, Any]] = []
            self.reached = False

        async def start(self) -> Any:  # noqa: ANN401 - Scrapy's async start
            yield scrapy.Request(self.site["website"], callback=self.parse, errback=self.failed,
                                 meta={"anchor": ""})

        def failed(self, failure: Any) -> None:  # noqa: ANN401
            pass

        def keep(self, url: str, title: str, anchor: str, text: str, document: bool) -> None:
            in_title, in_anchor = bool(PROGRAMME_WORDS.search(title)), bool(PROGRAMME_WORDS.search(anchor))
            in_url = bool(URL_WORDS.search(url))
            if in_title or in_anchor or in_url:
                vf, vt = period(title or anchor)
                self.hits.append({"url": url, "title": title or anchor, "text": text, "in_title": in_title,
                                  "in_anchor": in_anchor, "in_url": in_url, "document": document,
                                  "valid_from": vf, "valid_to": vt, "order": self.order})
            self.order += 1

        def parse(self, response: Any) -> Any:  # noqa: ANN401
            self.reached = True
            ctype = response.headers.get("Content-Type", b"").decode("latin-1").lower()
            anchor = response.meta.get("anchor", "")
            if any(t in ctype for t in DOC_TYPES) or response.body[:5] == b"%PDF-" or response.body[:2] == b"PK":
                title, text = document_text(response.body, ctype)
                self.keep(response.url, title, anchor, text, True)
                return
            if not hasattr(response, "css"):
                return
            title = " ".join(response.css("title::text").getall()).strip()
            h1 = " ".join(response.css("h1 ::text").getall()).strip()
            text = " ".join(response.css("main ::text").getall() or response.css("body ::text").getall())
            self.keep(response.url, f"{h1} {title}".strip(), anchor, text, False)
            for a in response.css("a[href]"):
                href = a.attrib.get("href", "")
                if href.startswith(("mailto:", "tel:", "javascript:", "#")):
                    continue
                url = response.urljoin(href).split("#")[0]
                if urlsplit(url).netloc not in self.allowed or url in self.seen or self.sent >= budget:
                    continue
                self.seen.add(url)
                self.sent += 1
                words = " ".join(a.css("::text").getall()).strip()
                yield scrapy.Request(url, callback=self.parse, errback=self.failed, meta={"anchor": words})

        def closed(self, reason: str) -> None:
            row = outcome(self.hits, year, self.reached)
            results[self.site["code"]] = {"code": self.site["code"], **row, "requests": self.sent}

    process = CrawlerProcess(settings={
        "ROBOTSTXT_OBEY": True,
        "USER_AGENT": "kommunprogram-keyword-baseline/0.1 (+https://github.com/kommunprogram/kommunprogram)",
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_TIMEOUT": 20,
        "RETRY_TIMES": 1,
        "LOG_LEVEL": "CRITICAL",  # the down site's refused connections are expected, not news
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "DOWNLOAD_MAXSIZE": 50 * 1024 * 1024,
    })
    for site in sites:
        process.crawl(KeywordSpider, site=site)
    process.start()
    return [results.get(s["code"], {"code": s["code"], "status": "error", "requests": 0}) for s in sites]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=Path, required=True, help="JSON list of {code, website, hosts}")
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    sites = json.loads(args.sites.read_text(encoding="utf-8"))
    rows = run(sites, args.year, args.budget)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
