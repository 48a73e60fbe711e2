"""Metadata from text: short Swedish samples written for these tests (not corpus texts)."""

from __future__ import annotations

import pytest

from extract.metadata import (
    detect_language,
    find_adoption,
    find_dates,
    find_diarienummer,
    find_draft_marker,
    find_period,
    find_revision_date,
    find_title,
)

# ------------------------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Näringslivsprogram 2015-2018\nVälkommen", (2015, 2018, False)),
        ("Tillväxtstrategi för Exempelby kommun 2016–2020", (2016, 2020, False)),
        ("NÄRINGSLIVSSTRATEGI 2019 – 2022", (2019, 2022, False)),
        ("Programmet gäller för perioden 2023–2026, med sikte mot 2030.", (2023, 2026, False)),
        ("Dokumentet gäller till och med 2020-12-31", (None, 2020, False)),
        ("Planen gäller som längst till 2024-06-30 och ska därefter revideras.", (None, 2024, False)),
        ("Dokumentet gäller till och med 2017-01-31 – 2020-12-31", (2017, 2020, False)),
        ("Gäller från och med 2019-01-01", (2019, None, False)),
        ("Näringslivsstrategi 2035\nEn strategi för hela kommunen.", (None, 2035, False)),
        ("Vision 2040 för Exempelby kommun", (None, 2040, False)),
        ("Strategin gäller tills vidare.", (None, None, True)),
        (
            "Handlingsplan för näringslivsutveckling 2016-2020 förlängs att gälla tills vidare.",
            (2016, 2020, True),
        ),
        # The programme's own period beats the mandate period mentioned first.
        (
            "Under mandatperioden 2015-2018 togs ett nytt program fram. Näringslivsprogram 2019-2022 antogs sedan.",
            (2019, 2022, False),
        ),
        # A horizon takes the adoption year as its start.
        ("I mars 2017 antog kommunfullmäktige en strategi som sträcker sig fram till 2020.", (2017, 2020, False)),
        ("Genomförandeplan 2010 2011 för näringslivsarbetet", (2010, 2011, False)),
        ("Näringslivsprogram 2015–18", (2015, 2018, False)),
        # The predecessor's and the regional strategy's periods lose to the title's.
        (
            "Strategiskt näringslivsprogram\nSkara kommun 2024–2030\nStrategin ersätter det tidigare programmet "
            "från 2020–2023. Vi bidrar till Regional\nutvecklingsstrategi för Västra Götaland 2021–2030.",
            (2024, 2030, False),
        ),
        # An end date takes its start from the title range with the same end.
        ("NÄRINGSLIVSPROGRAM 2021–2025\nDokumentet gäller till och med 2025-12-31", (2021, 2025, False)),
        # Open-ended: from the adoption year; "fram till" is then a goal year, not the validity.
        (
            "Programmet antogs av kommunstyrelsen 2023-11-12 § 46 och gäller tills vidare. Arbetet fram till 2027.",
            (2023, None, True),
        ),
        (
            "Tillväxtprogram 2023\nAntaget av Kommunstyrelsen 2023-05-13 § 230\nGäller till 2023-01-01 – tills vidare",
            (2023, None, True),
        ),
        # Agenda 2030 is the UN agenda, not a horizon; dates and diarienummer are not ranges.
        ("Vi arbetar med Agenda 2030 i alla verksamheter.", (None, None, False)),
        ("Beslut 2017-04-10, dnr 2015-608-003.", (None, None, False)),
        ("Ingen period nämns här alls.", (None, None, False)),
    ],
)
def test_find_period(text: str, expected: tuple[int | None, int | None, bool]) -> None:
    assert find_period(text) == expected


def test_find_period_ignores_implausible_spans_and_reads_only_the_head() -> None:
    assert find_period("Historik 1990-2060") == (None, None, False)
    far = "Inledning. " + "Text utan årtal. " * 600 + "Näringslivsprogram 2015-2018"
    assert find_period(far) == (None, None, False)


# ------------------------------------------------------------------------------------------ adoption


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Dokumenttyp Plan\nFastställt\n\nKommunfullmäktige 2017-04-10 § 41\nFör revidering ansvarar Kommunchef",
            ("kommunfullmäktige", "2017-04-10", "§ 41"),
        ),
        ("Antagen av kommunfullmäktige 2015-06-10, § 112", ("kommunfullmäktige", "2015-06-10", "§ 112")),
        (
            "Kommunfullmäktige antog den 10 december 2015 vår första näringslivsstrategi.",
            ("kommunfullmäktige", "2015-12-10", None),
        ),
        ("Strategin antogs av kommunstyrelsen den 3 maj 2021.", ("kommunstyrelsen", "2021-05-03", None)),
        ("Den 14 april antogs en ny näringslivsstrategi av Kommunstyrelsen.", ("kommunstyrelsen", None, None)),
        ("Fastställd av KF 2019-11-25 § 7", ("kommunfullmäktige", "2019-11-25", "§ 7")),
        ("I december 2013 tog Kommunstyrelsen beslut om att fortsätta arbetet.", ("kommunstyrelsen", None, None)),
        ("Planen fastställdes av tekniska nämnden 2020-02-12.", ("tekniska nämnden", "2020-02-12", None)),
        ("Fastställd av partnerskapet", ("partnerskapet", None, None)),
        ("Antagen 2018-09-24 § 55", (None, "2018-09-24", "§ 55")),
        # A diarienummer after "KS" is not a decision by the board; a chair's title is not an adoption.
        ("Dnr KS 2019/123. Programmet beskriver arbetet.", (None, None, None)),
        ("– Det är viktigt, säger Anna Andersson, ordförande i kommunstyrelsen.", (None, None, None)),
        ("Programmet har tagits fram på uppdrag av kommunstyrelsen.", (None, None, None)),
    ],
)
def test_find_adoption(text: str, expected: tuple[str | None, str | None, str | None]) -> None:
    assert find_adoption(text) == expected


def test_find_adoption_reads_the_colophon_on_the_last_page() -> None:
    text = (
        "Näringslivsprogram\n" + "Brödtext om företagsklimat. " * 600 + "\nAntagen av kommunfullmäktige 2021-03-29 § 30"
    )
    assert find_adoption(text) == ("kommunfullmäktige", "2021-03-29", "§ 30")


# ------------------------------------------------------------------------------------- diarienummer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Diarienummer: KS 2019/123", "KS 2019/123"),
        ("Dnr KS 2022-00686", "KS 2022-00686"),
        ("Diarienummer 2015-608-003", "2015-608-003"),
        ("Ks 2007:391\nNäringslivsprogram", "Ks 2007:391"),
        ("Dnr 2016/0669", "2016/0669"),
        ("Dokumenttyp | Strategi\nDiarienummer | 2023-619-003", "2023-619-003"),  # a DOCX/HTML table row
        ("Beslutat 2019-05-12", None),
        ("Diarienummer\nUppföljning och tidplan", None),
    ],
)
def test_find_diarienummer(text: str, expected: str | None) -> None:
    assert find_diarienummer(text) == expected


# --------------------------------------------------------------------------------------------- title


@pytest.mark.parametrize(
    ("first_page", "expected"),
    [
        ("NÄRINGSLIVS-\nPROGRAM\n2015–2018", "Näringslivsprogram 2015–2018"),
        (
            "1 (7)\nNäringslivsprogram\nför Nordmalings kommun\nFastställt i kommunfullmäktige",
            "Näringslivsprogram för Nordmalings kommun",
        ),
        (
            "Dokumenttyp Plan\nDiarienummer 2015-608-003\nPlan för näringslivsutveckling\nInnehåll",
            "Plan för näringslivsutveckling",
        ),
        ("TILLVÄXTPROGRAM FÖR ÖSTERSUNDS KOMMUN", "Tillväxtprogram för Östersunds kommun"),
        ("Exempelby kommun\nNäringslivsstrategi 2035", "Näringslivsstrategi 2035"),
        ("EU-STRATEGI FÖR LANDSBYGDEN", "EU-strategi för landsbygden"),
        ("Värnamos kommuns\nnäringslivsprogram\nDokumenttyp Program", "Värnamos kommuns näringslivsprogram"),
        (
            "Näringslivsstrategi – Växtkraft\nVårgårda\n2026–2030\nDokumenttyp Strategi",
            "Näringslivsstrategi – Växtkraft Vårgårda 2026–2030",
        ),
        (
            "Program för hållbar tillväxt 2024–2028\n– Lindesbergs kommun\nDiarienummer Ks 2024:318",
            "Program för hållbar tillväxt 2024–2028 – Lindesbergs kommun",
        ),
        (
            "Reviderad näringslivsstrategi för\nKalix kommun 2020-2023\nDokumenttyp Strategi",
            "Reviderad näringslivsstrategi för Kalix kommun 2020-2023",
        ),
        ("Näringslivsprogram 2021–2024\nFörord\nEtt starkt näringsliv.", "Näringslivsprogram 2021–2024"),
        ("Kort om oss\nVi är en kommun vid havet.", "Kort om oss"),
        ("", None),
        ("12\n\n2019-05-01", None),
    ],
)
def test_find_title(first_page: str, expected: str | None) -> None:
    assert find_title(first_page) == expected


def test_find_title_keeps_the_hyphen_of_a_suspended_compound() -> None:
    assert find_title("Närings-\noch tillväxtprogram") == "Närings- och tillväxtprogram"


@pytest.mark.parametrize(
    ("first_page", "expected"),
    [
        # Real hyphens at a line end are kept (find_title used to join these into one word).
        ("Näringslivsprogram för Skåne-\nBlekinge 2020–2024", "Näringslivsprogram för Skåne-Blekinge 2020–2024"),
        ("Strategi för EU-\nprojekt 2021–2024", "Strategi för EU-projekt 2021–2024"),
        ("Tillväxtprogram för RUS-\nARBETET", "Tillväxtprogram för RUS-ARBETET"),
    ],
)
def test_find_title_keeps_real_hyphens_at_line_ends(first_page: str, expected: str) -> None:
    assert find_title(first_page) == expected


# -------------------------------------------------------------------------------------------- drafts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FÖRSLAG\nNäringslivsprogram 2024-2027", "förslag"),
        ("Förslag till näringslivsstrategi för Exempelby kommun", "förslag"),
        ("Näringslivsstrategi\nRemissversion 2023-03-01", "remissversion"),
        ("Samrådshandling\nÖversiktsplan", "samrådshandling"),
        ("Dokumenttyp Strategi\nStatus Samrådshandling 2024-01-10", "samrådshandling"),
        ("Strategi\nJust nu arbetar projektet med en gemensam samrådshandling som ska beskriva havet.", None),
        ("Utkast 2019-05-01\nTillväxtprogram", "utkast"),
        # Passing mentions and decision proposals are not draft markers.
        ("Näringslivsprogram\nVi tar gärna emot förslag på aktiviteter från företagen.", None),
        ("Förslag till beslut\nKommunstyrelsen föreslås anta programmet.", None),
        ("Näringslivsprogram 2020-2023\nAntagen av kommunfullmäktige", None),
        # Only the first page counts.
        ("Näringslivsprogram\n\f\nBilaga: remissversion av den gamla planen", None),
    ],
)
def test_find_draft_marker(text: str, expected: str | None) -> None:
    assert find_draft_marker(text) == expected


# -------------------------------------------------------------------------------- dates and revision


def test_find_dates_reads_iso_and_swedish_month_names_and_rejects_impossible_dates() -> None:
    found = [iso for _, iso in find_dates("Den 7 juni 2004, 2017-04-10, 2017.04.11 och 2017-13-40.")]
    assert found == ["2004-06-07", "2017-04-10", "2017-04-11"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Reviderad 2019-05-12 av kommunstyrelsen", "2019-05-12"),
        ("Senast uppdaterad: 17 februari 2023", "2023-02-17"),
        ("Rev. 2020-01-15", "2020-01-15"),
        ("Programmet ska revideras vart fjärde år.", None),
    ],
)
def test_find_revision_date(text: str, expected: str | None) -> None:
    assert find_revision_date(text) == expected


# ------------------------------------------------------------------------------------------ language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kommunen ska vara en plats där det är enkelt att starta och driva företag, och där vi samarbetar.", "sv"),
        ("Kommunen skal være et sted hvor det er enkelt å starte og drive bedrifter, og vi blir ikke færre.", "no"),
        ("Kommunen skal være et sted hvor det er nemt at starte og drive virksomheder, og vi bliver ikke færre.", "da"),
        ("Kunta on paikka, jossa on helppo perustaa yritys ja myös kasvaa, sekä tehdä yhteistyötä.", "fi"),
        ("The municipality is a place where it is easy to start and run a business, and we will grow.", "en"),
        ("Näringslivsprogram 2020", None),
    ],
)
def test_detect_language(text: str, expected: str | None) -> None:
    assert detect_language(text) == expected
