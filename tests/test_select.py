"""Tests for classify.select: the programme in force per municipality, every decision explained."""

from __future__ import annotations

from dataclasses import replace

import pytest

from classify.model import Prediction
from classify.select import Candidate, choose_program, other_municipality, timing


def pred(is_program: bool = True, p: float = 0.9) -> Prediction:
    return Prediction(
        id="x", is_program=is_program, program_type="naringsliv" if is_program else None, rus_link=False,
        intermunicipal_link=False, regional_category="none", action_plan=False, sustainability=False,
        business_collaboration=False, annual_activities=False, valid_from=None, valid_to=None,
        confidence={"is_program": p}, evidence={}, needs_review=False,
    )


def cand(sha: str, title: str, **kw: object) -> Candidate:
    base = dict(
        sha256=sha, url=f"https://mora.se/{sha}.pdf", title=title, kind="pdf", found_via="link", link_score=1.0,
        anchor_text=title, valid_from=None, valid_to=None, extended=False, draft=False, adopted_by=None,
        adopted_date=None, prediction=pred(), host_is_municipal=True, mentions_other_municipality=None,
    )
    base.update(kw)
    return Candidate(**base)  # type: ignore[arg-type]


def roles(sel) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {d.sha256: d.role for d in sel.decisions}


def test_current_programme_chosen_with_action_plan_and_older_version() -> None:
    cands = [
        cand("old", "Näringslivsprogram 2015-2018", valid_from=2015, valid_to=2018,
             adopted_by="kommunfullmäktige"),
        cand("new", "Näringslivsprogram 2023-2026", valid_from=2023, valid_to=2026,
             adopted_by="kommunfullmäktige"),
        cand("plan", "Handlingsplan för näringslivsarbetet 2024", valid_from=2024, valid_to=2024),
        cand("rus", "Regional utvecklingsstrategi", prediction=pred(False, 0.1)),
        cand("dup", "Näringslivsprogram 2023-2026 (kopia)", valid_from=2023, valid_to=2026),
    ]
    cands.append(replace(cands[1], url="https://mora.se/other-url.pdf"))
    sel = choose_program(cands, year=2024, municipality="Mora")
    assert sel.status == "program_found" and sel.in_force is True
    assert sel.chosen is not None and sel.chosen.sha256 == "new"
    r = roles(sel)
    assert r["old"] == "older_version" and r["plan"] == "action_plan" and r["rus"] == "not_program"
    assert r["dup"] == "duplicate"
    assert [d.role for d in sel.decisions].count("program") == 1
    assert len(sel.decisions) == len(cands)
    assert all(d.reason for d in sel.decisions)
    picked = [d for d in sel.decisions if d.picked]
    assert len(picked) == 1 and picked[0].url == "https://mora.se/new.pdf"
    assert sum(1 for d in sel.decisions if d.sha256 == "new" and d.role == "duplicate") == 1


def test_extended_programme_is_in_force() -> None:
    sel = choose_program([cand("a", "Näringslivsprogram 2016-2020", valid_from=2016, valid_to=2020,
                               extended=True)], year=2024, municipality="Mora")
    assert sel.status == "program_found" and sel.in_force is True
    assert "tills vidare" in sel.decisions[0].reason


def test_only_expired_only_draft_and_nothing() -> None:
    expired = cand("a", "Näringslivsprogram 2010-2014", valid_from=2010, valid_to=2014)
    sel = choose_program([expired], year=2024, municipality="Mora")
    assert (sel.status, sel.chosen, sel.in_force) == ("expired_only", None, False)
    assert sel.decisions[0].role == "expired" and "2014" in sel.decisions[0].reason

    draft = cand("d", "Förslag till näringslivsstrategi", draft=True, prediction=pred(False, 0.3))
    sel = choose_program([draft, expired], year=2024, municipality="Mora")
    assert sel.status == "draft_only" and roles(sel)["d"] == "draft"

    sel = choose_program([cand("n", "Nyheter", prediction=pred(False, 0.05))], year=2024, municipality="Mora")
    assert (sel.status, sel.in_force) == ("no_program_found", None)
    assert choose_program([], year=2024, municipality="Mora").status == "no_program_found"


def test_neighbour_and_future_documents_are_not_chosen() -> None:
    neighbour = cand("n", "Näringslivsprogram för Orsa", mentions_other_municipality="Orsa")
    future = cand("f", "Näringslivsstrategi 2026-2030", valid_from=2026, valid_to=2030)
    undated = cand("u", "Näringslivspolicy", adopted_by="kommunstyrelsen")
    sel = choose_program([neighbour, future, undated], year=2024, municipality="Mora")
    r = roles(sel)
    assert r["n"] == "other_municipality" and "Orsa" in sel.decisions[0].reason
    assert r["f"] == "not_started" and "starts after 2024" in sel.decisions[1].reason
    assert sel.chosen is not None and sel.chosen.sha256 == "u"
    assert sel.in_force is None  # no stated period: assumed, not known, to be in force


def test_a_programme_that_has_not_started_is_found_not_expired() -> None:
    """Issue 13: a programme whose period starts after the inventory year is not ``expired_only``."""
    old = cand("o", "Näringslivsstrategi 2015-2020", valid_from=2015, valid_to=2020)
    future = cand("f", "Näringslivsstrategi 2026-2030", valid_from=2026, valid_to=2030)
    sel = choose_program([old, future], year=2024, municipality="Mora")
    assert (sel.status, sel.in_force) == ("program_found", False)
    assert sel.chosen is not None and sel.chosen.sha256 == "f"
    assert roles(sel) == {"o": "older_version", "f": "program"}
    assert choose_program([old], year=2024, municipality="Mora").status == "expired_only"


def test_adopted_beats_unstated_and_action_plan_alone_is_chosen() -> None:
    a = cand("a", "Näringslivsstrategi", valid_from=2022, valid_to=2026)
    b = cand("b", "Näringslivsstrategi", valid_from=2022, valid_to=2026, adopted_by="kommunfullmäktige")
    assert choose_program([a, b], year=2024, municipality="Mora").chosen.sha256 == "b"  # type: ignore[union-attr]
    plan = cand("p", "Handlingsplan för näringslivet", valid_from=2024, valid_to=2025)
    sel = choose_program([plan], year=2024, municipality="Mora")
    assert sel.chosen is not None and sel.decisions[0].role == "program"


def test_a_dated_programme_beats_an_undated_document() -> None:
    # Seen in the demo: an undated "Policy för ..." outranked the dated (scanned) programme.
    undated = cand("u", "Policy för näringslivsutveckling", adopted_by="kommunstyrelsen")
    dated = cand("d", "Näringslivsstrategi 2026-2029", valid_from=2026, valid_to=2029, adopted_date="2025-12-19")
    sel = choose_program([undated, dated], year=2026, municipality="Norberg")
    assert sel.chosen is not None and sel.chosen.sha256 == "d"
    assert roles(sel)["u"] == "duplicate"


def test_timing_and_validation() -> None:
    assert timing(cand("a", "x"), 2024) == "unknown"
    assert timing(cand("a", "x", valid_to=2035), 2024) == "current"
    with pytest.raises(ValueError, match="found_via"):
        cand("a", "x", found_via="carrier pigeon")
    with pytest.raises(ValueError, match="valid_from 2020 > valid_to 2010"):
        cand("a", "x", valid_from=2020, valid_to=2010)


@pytest.mark.parametrize(
    ("text", "municipality", "expected"),
    [
        ("Näringslivsstrategi Knivstas kommun 2020-2030", "Uppsala", "Knivsta"),
        ("Näringslivsstrategi Knivstas kommun 2020-2030", "Knivsta", None),
        ("Lokalt tillväxtprogram för Falu kommun", "Falun", None),
        ("Lokalt tillväxtprogram för Falu kommun", "Borlänge", "Falun"),
        ("Näringslivsprogram för Marks kommun", "Markaryd", "Mark"),
        ("Näringslivsprogram för Markaryds kommun", "Mark", "Markaryd"),
        ("Näringslivsstrategi 2023-2026", "Mora", None),  # no name at all
        ("Upplands-Bro kommuns näringslivsstrategi", "Upplands Väsby", "Upplands-Bro"),
        ("Kommunen ska vara en plats att vara på", "Mora", None),  # 'vara' the verb
    ],
)
def test_other_municipality(text: str, municipality: str, expected: str | None) -> None:
    assert other_municipality(text, municipality) == expected


def test_other_municipality_reads_the_title_too() -> None:
    assert other_municipality("Inledning", "Uppsala", title="Näringslivsprogram för Knivsta") == "Knivsta"


def test_other_municipality_from_the_body_when_the_title_names_none() -> None:
    body = "Näringslivsprogram – Modet att växa\nDokumenttyp Program\nI Heby finns 300 företag. Heby ska växa."
    assert other_municipality(body, "Uppsala") == "Heby"
    assert other_municipality(body, "Heby") is None
    once = "Näringslivsprogram\n" + "Text om företagen här. " * 30 + "Vi samarbetar med Heby."
    assert other_municipality(once, "Uppsala") is None  # one passing mention is not enough


def test_swedish_language_finnish_municipality_is_another_municipality() -> None:
    from classify.select import other_municipality

    title = "UTKAST Näringslivsprogram för Raseborgs stad 2026-2029"
    assert other_municipality(title, "Ystad", title) == "Raseborg"
    assert other_municipality("Näringslivsprogram för Ystads kommun", "Ystad") is None


def test_a_document_with_too_little_text_is_never_the_programme() -> None:
    """Issue 16 item 7: two near-empty documents (a title line) were published as programmes at 0.75."""
    title_only = cand("t", "Näringslivsprogram 2025-2028", content_words=3, prediction=pred(p=0.75))
    sel = choose_program([title_only], year=2026, municipality="Mora")
    assert sel.status == "no_program_found" and sel.chosen is None
    (decision,) = sel.decisions
    assert decision.role == "too_little_text" and "listed for review" in decision.reason
    full = cand("f", "Näringslivsprogram 2024-2027", content_words=2500, valid_from=2024, valid_to=2027)
    sel = choose_program([title_only, full], year=2026, municipality="Mora")
    assert sel.chosen is not None and sel.chosen.sha256 == "f" and roles(sel)["t"] == "too_little_text"
