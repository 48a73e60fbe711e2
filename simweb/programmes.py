"""A municipality's programme lineage: the current programme, old versions, drafts and action plans.

Each ``Programme`` carries its metadata (what truth.json records) and its ``DocText`` (what the
document says). Validity is relative to ``SimConfig.inventory_year``: *current* means in force in
that year; *expired_extended* means the period ended but a decision extended it until further notice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from .reference import Municipality, collaborations_of, counties, genitive, municipalities
from .wording import (
    ACTION_PLAN_WORDS,
    DRAFT_MARKERS,
    SLOGANS,
    SUSTAINABILITY_IN_TITLE,
    TERMS_COMBINED,
    TERMS_PLAIN,
    TERMS_PLAN_POLICY,
    DocText,
    Term,
    Traits,
    expand,
    programme_text,
    slots_for,
    title_program_type,
)


@dataclass
class Programme:
    status: str  # current | expired | expired_extended | draft
    kind: str  # pdf | scanned_pdf | docx | html
    term: Term
    title: str
    valid_from: int
    valid_to: int | None  # None: "tills vidare"
    adopted_by: str | None
    adopted_date: str | None
    paragraph: str | None
    diarienummer: str
    traits: Traits
    text: DocText
    filename: str
    rus_name: str | None
    collaboration: str | None


def _diarienummer(rng: random.Random, year: int) -> str:
    n = rng.randint(12, 980)
    return rng.choice([f"KS {year}/{n}", f"KS {year}-{n:05d}", f"{year}-{n}-003", f"Ks {year}:{n}", f"KS/{year}:{n}"])


def _date(rng: random.Random, year: int) -> str:
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _neighbours(m: Municipality, rng: random.Random) -> list[str]:
    same = [x.name for x in municipalities() if x.county_code == m.county_code and x.code != m.code]
    return rng.sample(same, min(2, len(same))) or ["grannkommunerna"]


def choose_term(rng: random.Random, plan_policy: bool, combined: bool) -> Term:
    if combined:
        return rng.choice(TERMS_COMBINED)
    if plan_policy:
        return rng.choice(TERMS_PLAN_POLICY)
    return rng.choice(TERMS_PLAIN)


def _title(
    rng: random.Random, term: Term, m: Municipality, start: int, end: int | None, hyphenate: bool
) -> tuple[list[str], str]:
    """(lines as printed on the title page, the title as one string)."""
    dash = rng.choice(["–", "-"])
    period = f"{start}{dash}{end}" if end else f"{start}"
    kommun = f"{genitive(m.name)} kommun"
    if hyphenate and " " not in term.word and len(term.word) > 12:
        # "NÄRINGSLIVS- PROGRAM": the title broken across lines with a hyphen (Lomma 2015)
        head = next((h for h in ("Näringslivs", "Tillväxt") if term.word.startswith(h)), None)
        cut = len(head) if head else len(term.word) // 2
        lines = [term.word[:cut].upper() + "-", term.word[cut:].upper(), f"för {kommun} {period}"]
        return lines, f"{term.word} för {kommun} {period}"
    pattern = rng.choice(
        [
            "{t} för {k} {p}",
            "{t} {p}",
            "{k}s {tl}".replace("{k}s", "{kg}"),
            "{t} – {s}",
            "{t} {p} – {k}",
            "{t} {k} {p}",
        ]
    )
    if end and end - start >= 8 and rng.random() < 0.4:  # long horizons are named by the end year
        text = rng.choice(["{t} {e}", "{t} {k} {e}", "{kg} {tl} {e}"]).format(
            t=term.word, tl=term.word.lower(), k=kommun, kg=f"{genitive(m.name)} kommuns", e=end
        )
        return [text], text
    slogan = expand(rng, rng.choice(SLOGANS), {"kommun": m.name})
    text = pattern.format(
        t=term.word, tl=term.word.lower(), k=kommun, kg=f"{genitive(m.name)} kommuns", p=period, s=slogan
    )
    if "{t} – {s}" == pattern and end:
        return [text, f"{start}{dash}{end}"], f"{text} {start}{dash}{end}"
    return [text], text


def _filename(rng: random.Random, title: str, quirk: bool, marker: str, dnr: str, ext: str) -> str:
    base = title.replace("/", "-").replace(":", "")
    if marker and not base.startswith(marker):
        base = f"{marker} {base}"
    if quirk:
        q = rng.choice(
            [
                "(1)",
                "_v2",
                " rev",
                " slutversion",
                " webb",
                " tillganglighetsanpassad",
                ".pdf",
                "yymmdd",
                "dnr",
                " signerad.pub",
            ]
        )
        if q == "yymmdd":
            base = f"{rng.randint(15, 25):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d} {base}"
        elif q == "dnr":
            base = f"{dnr.replace('/', '-')} {base}"
        else:
            base = f"{base}{q}"
    if rng.random() < 0.3:
        base = base.replace(" ", "_")
    return f"{base}.{ext}"


def _traits(rng: random.Random, term: Term, has_collab: bool) -> Traits:
    return Traits(
        program_type=term.program_type,
        rus_link=rng.random() < 0.55,
        intermunicipal_link=rng.random() < (0.55 if has_collab else 0.3),
        action_plan=rng.random() < 0.45,
        sustainability=rng.random() < 0.5,
        business_collaboration=rng.random() < 0.6,
        annual_activities=rng.random() < 0.4,
    )


def implied_by_title(traits: Traits, title: str) -> Traits:
    """The labels a title fixes under the corpus rules: its programme type; sustainability when it names
    sustainability ("Program för hållbar tillväxt"); an action plan when it is named one."""
    return replace(
        traits,
        program_type=title_program_type(title),
        sustainability=traits.sustainability or SUSTAINABILITY_IN_TITLE.search(title) is not None,
        action_plan=traits.action_plan or ACTION_PLAN_WORDS.search(title) is not None,
    )


def make_programme(
    rng: random.Random,
    m: Municipality,
    *,
    status: str,
    kind: str,
    start: int,
    end: int | None,
    term: Term,
    header_table: bool,
    hyphenate: bool,
    quirk: bool,
    inventory_year: int,
    extended_year: int | None = None,
) -> Programme:
    county = counties().get(m.county_code)
    collabs = collaborations_of(m.code)
    collab = rng.choice(collabs).name if collabs else None
    traits = _traits(rng, term, collab is not None)
    rus = rng.choice(county.rus_names) if county and county.rus_names else None
    if rus is None and traits.rus_link:
        traits = replace(traits, rus_link=False)
    neighbours = _neighbours(m, rng)
    slots = slots_for(
        rng,
        m.name,
        county.name if county else m.county,
        county.region_body if county else "regionen",
        rus or "",
        collab or " och ".join(neighbours),
        " och ".join(neighbours),
        start,
        end or start + 4,
    )
    draft = status == "draft"
    marker = rng.choice(DRAFT_MARKERS) if draft else ""
    adopted_by = None if draft else rng.choice(["kommunfullmäktige"] * 3 + ["kommunstyrelsen"])
    adopted_year = start - 1 if rng.random() < 0.6 else start
    adopted_date = None if draft else _date(rng, adopted_year)
    paragraph = None if draft else f"§ {rng.randint(5, 240)}"
    dnr = _diarienummer(rng, adopted_year)
    title_lines, title = _title(rng, term, m, start, end, hyphenate)
    traits = implied_by_title(traits, title)
    if draft and rng.random() < 0.5:
        title_lines = [f"{marker} – {title_lines[0]}", *title_lines[1:]]
        title = f"{marker} – {title}"
    organ = {"kommunfullmäktige": "Kommunfullmäktige", "kommunstyrelsen": "Kommunstyrelsen"}.get(adopted_by or "", "")
    header: list[tuple[str, str]] = []
    end_date = f"{end}-12-31" if end else "tills vidare"
    if header_table:
        header = [("Dokumenttyp", term.doctype), ("Diarienummer", dnr)]
        if draft:
            header.append(("Status", rng.choice(["Remissversion", "Förslag till kommunfullmäktige", "Utkast"])))
        else:
            verb = rng.choice(["Fastställt", "Antaget av", "Beslutad av"])
            header.append((verb, f"{organ} {adopted_date} {paragraph}"))
        header.append(
            (
                rng.choice(["Giltighetstid", "Dokumentet gäller till och med", "Gäller till"]),
                f"{start}-01-01 – {end_date}" if rng.random() < 0.5 else end_date,
            )
        )
        header.append(("Dokumentansvarig", rng.choice(["Näringslivschef", "Kommundirektör", "Kommunchef"])))
        header.append(("Gäller för", rng.choice(["Samtliga nämnder", "Kommunkoncernen", "Samtliga"])))
    if draft:
        validity = expand(
            rng,
            "{Förslaget|Remissversionen} {är ute på remiss|skickas på remiss} till och med "
            f"{inventory_year}-0{rng.randint(2, 9)}-15. Programmet {{föreslås gälla|avses gälla}} "
            f"{start}–{end or start + 4}.",
        )
    elif end is None:
        validity = expand(
            rng,
            f"{{Programmet|Dokumentet}} {{antogs|fastställdes}} av {adopted_by} {adopted_date} "
            f"{paragraph} och gäller tills vidare.",
        )
    else:
        validity = expand(
            rng,
            f"{{Programmet|Strategin|Dokumentet}} {{är fastställt|antogs}} av {adopted_by} "
            f"{adopted_date} {paragraph} och {{gäller|gäller som längst}} till och med {end}-12-31.",
        )
    if extended_year is not None:
        validity += " " + expand(
            rng,
            f"{{Kommunfullmäktige|Kommunstyrelsen}} beslutade {_date(rng, extended_year)} "
            "att {programmets giltighetstid förlängs att gälla tills vidare|programmet "
            "förlängs att gälla tills vidare}, {dock längst till dess att ett nytt program "
            "antagits|i avvaktan på ett nytt program}.",
        )
    subtitle = f"{organ} {adopted_date} {paragraph}" if adopted_by and not header_table and rng.random() < 0.6 else ""
    text = programme_text(
        rng,
        title_lines=title_lines,
        subtitle=subtitle,
        header=header,
        marker=marker,
        traits=traits,
        slots=slots,
        validity_sentence=validity,
    )
    ext = {"pdf": "pdf", "scanned_pdf": "pdf", "docx": "docx", "html": "html"}[kind]
    return Programme(
        status=status,
        kind=kind,
        term=term,
        title=title,
        valid_from=start,
        valid_to=end,
        adopted_by=adopted_by,
        adopted_date=adopted_date,
        paragraph=paragraph,
        diarienummer=dnr,
        traits=traits,
        text=text,
        filename=_filename(rng, title, quirk, marker, dnr, ext),
        rus_name=rus if traits.rus_link else None,
        collaboration=slots["collab"] if traits.intermunicipal_link else None,
    )


def current_period(rng: random.Random, year: int) -> tuple[int, int | None]:
    """A period in force in ``year``: an electoral term, a longer horizon, or open-ended."""
    r = rng.random()
    if r < 0.55:
        start = rng.randint(year - 3, year)
        return start, start + rng.choice([3, 3, 4])
    if r < 0.92:
        start = rng.randint(year - 7, year - 1)
        return start, rng.choice([2030, 2030, 2035, 2040]) if year < 2030 else year + rng.randint(1, 9)
    return rng.randint(year - 6, year - 1), None


def expired_period(rng: random.Random, before: int) -> tuple[int, int]:
    end = rng.randint(before - 4, before - 1)
    return end - rng.choice([3, 3, 4, 5]), end
