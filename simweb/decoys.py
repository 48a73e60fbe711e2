"""Look-alike documents of a site (wording.DECOY_CLASSES): what an inventory must not take for the programme."""

from __future__ import annotations

from typing import Any

from .documents import render_html_body
from .page_titles import DRAFT_NEWS
from .programmes import choose_term, current_period, make_programme
from .reference import Municipality, counties, municipalities
from .sitemodel import SiteBuilder
from .wording import DECOY_CLASSES, FINNISH_SWEDISH, decoy_text, slots_for


def place_decoys(b: SiteBuilder) -> list[dict[str, Any]]:
    cfg, rng, y = b.cfg, b.rng, b.year
    county = counties().get(b.m.county_code)
    out: list[dict[str, Any]] = []
    n = rng.randint(*cfg.decoys_per_site)
    classes = list(DECOY_CLASSES)  # the first three appear on every site
    rus = county.rus_names[0] if county and county.rus_names else "den regionala utvecklingsstrategin"
    once: set[str] = set()
    for i in range(n):
        cls = classes[i] if i < 3 else rng.choice(classes)
        slots = slots_for(
            rng, b.m.name, b.m.county, county.region_body if county else "Regionen", rus, "", "", y - 2, y + 2
        )
        slots["date"] = f"{y - rng.randint(0, 3)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if cls in ("regional_strategy", "mirror") and cls in once:
            continue  # one shared host each: list it once
        once.add(cls)
        if cls == "regional_strategy":
            region = f"region-{b.m.county_code}"
            pages = ["/regional-utvecklingsstrategi/", "/regional-utvecklingsstrategi/rus.pdf"]
            out.append({"class": cls, "urls": [(region, p) for p in pages], "title": rus})
            b.business["links"].append(
                {"host": f"region-{b.m.county_code}", "path": "/regional-utvecklingsstrategi/", "text": rus}
            )
            continue
        if cls == "mirror":
            if not b.lineup or b.lineup[0].kind == "html":
                continue
            ext = "docx" if b.lineup[0].kind == "docx" else "pdf"
            mirror = [f"/dokument/{b.m.code}/", f"/dokument/{b.m.code}/dokument.{ext}"]
            out.append({"class": cls, "urls": [("docmirror", p) for p in mirror], "title": b.lineup[0].title})
            continue
        if cls in ("neighbour_programme", "finnish_programme"):
            if cls == "neighbour_programme":
                same = [x for x in municipalities() if x.county_code == b.m.county_code and x.code != b.m.code]
                other = rng.choice(same or list(municipalities()))
            else:
                fin = rng.choice(FINNISH_SWEDISH)
                other = Municipality("FI", fin, "FI", "Finland", "")
            s0, e0 = current_period(rng, y)
            prog = make_programme(
                rng,
                other,
                status="current" if cls == "neighbour_programme" else "draft",
                kind="pdf",
                start=s0,
                end=e0,
                term=choose_term(rng, False, False),
                header_table=True,
                hyphenate=False,
                quirk=False,
                inventory_year=y,
            )
            text, title = prog.text, prog.title
            if cls == "finnish_programme":
                text.marker = "UTKAST"
        elif cls == "news_draft":
            article = b.add_page(
                b.news_archive,
                rng.choice(DRAFT_NEWS),
                "news",
            )
            article["body"] = "".join(
                f"<p>{p}</p>" for p in decoy_text(rng, "tjansteskrivelse", slots).plain_text().split("\n")
            )
            out.append({"class": cls, "urls": [("main", article["path"])]})
            continue
        else:
            text = decoy_text(rng, cls, slots)
            title = text.title_lines[0]
        host_page = rng.choice([b.prog_hub, b.business, *b.categories.values()])
        if cls in ("ks_protocol", "tjansteskrivelse", "naringslivsrad_minnes"):
            host_page = next((p for p in b.pages if p["title"] == "Sammanträden och protokoll"), host_page)
        as_pdf = rng.random() < cfg.decoy_pdf_share or cls in ("neighbour_programme", "finnish_programme")
        if as_pdf:
            link = f"Inspiration: {title}" if cls == "neighbour_programme" else title
            doc = b.add_doc(
                role="decoy",
                title=title,
                filename=f"{title}.pdf",
                kind="pdf",
                text=text,
                page=host_page,
                decoy_class=cls,
                link_text=link,
            )
            out.append({"class": cls, "urls": [("main", doc["path"])], "title": title})
        else:
            page = b.add_page(host_page, title, "decoy_html")
            page["body"] = render_html_body(text)
            page["search_text"] = text.plain_text()
            out.append({"class": cls, "urls": [("main", page["path"])], "title": title})
    return out
