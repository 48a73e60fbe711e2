"""Tests for classify.signals: the signal table as data, its counts, the title rule and its digest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from classify.signals import (
    HEAD_CHARS,
    SIGNALS,
    TYPE_PATTERNS,
    load_table,
    signal_counts,
    signal_hits,
    signal_table_digest,
    title_lines,
    title_type,
)


@pytest.mark.parametrize(
    ("text", "signal", "expected"),
    [
        ("Näringslivsstrategi för Hörby kommun 2017-2020", "title_naringsliv", 1),
        ("Förslag på ny näringslivsstrategi", "draft_head", 1),
        ("Utkast till plan", "draft_strong_head", 1),
        ("Mora kommun tar under hösten fram en ny näringslivsstrategi", "process_strong_head", 1),
        ("Planen er gjeldende og skal rulleres av kommunestyret. Tiltak.", "foreign", 4),
        ("Programmet följer RUFS 2050 och Sörmlandsstrategin.", "rus_named", 1),
        ("Programmet följer RUFS 2050.", "rus_acronym", 1),
        ("rufs nämns med små bokstäver", "rus_acronym", 0),  # acronyms must be written as acronyms
        ("Vi samarbetar inom Business Region Göteborg (BRG).", "collab_named", 1),
        ("Strategin bryts ned i årliga handlingsplaner.", "annual", 1),
        ("Landsbygdsprogram för Timrå kommun", "title_other_domain", 1),
        ("Kommunen ska vara en bra plats att vara på.", "named_municipality", 0),  # 'vara' the verb
        ("Vara kommun antog strategin.", "named_municipality", 1),
        # OCR of a scanned PDF garbles vowels: one free letter in the business words.
        ("NYringslivsstrategi Norbergs kommun 2026-2029", "title_naringsliv", 1),
        ("Meny\n\n11 dec 2018\n\nPressmeddelande\n", "news", 2),
        ("– Strategin blir ett viktigt verktyg, säger ordföranden.", "quote_says", 1),
        ("För tre år sedan antog Alvesta kommun en ny näringslivsstrategi.", "third_person_actor", 1),
        ("Alvesta kommun vinner Bästa Tillväxt 2020.", "award", 2),
        ("Strategin förväntas vara klar under 2019.", "future_process", 1),
        # A programme name in an opening *sentence* is no title line; a short first line is.
        (
            "Näringslivsprogrammet ska skapa ett påtagligt förbättrat företagsklimat i Gävle. " + "Text " * 30,
            "title_line_programme",
            0,
        ),
        ("Meny\nNäringslivsprogram 2020-2024\nText", "title_line_programme", 1),
    ],
)
def test_signal_counts(text: str, signal: str, expected: int) -> None:
    assert signal_counts(text)[signal] == expected


def test_title_lines_skip_long_lines_and_stop_early() -> None:
    text = "Meny\n\n" + "Lång mening " * 20 + "\nKort rubrik\n" + "\n".join(f"rad {i}" for i in range(10))
    assert title_lines(text).splitlines() == ["Meny", "Kort rubrik", "rad 0", "rad 1"]


def test_head_signals_only_look_at_the_title_area() -> None:
    late = "x " * HEAD_CHARS + "Förslag till näringslivsstrategi"
    counts = signal_counts(late)
    assert counts["draft_head"] == 0
    assert counts["draft"] == 1


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Näringslivsprogram för Nordmalings kommun", "naringsliv"),
        ("Alingsås kommuns näringslivsstrategiska program 2021-2035", "naringsliv"),
        ("Tillväxt- och näringslivsprogram 2020", "tillvaxt"),
        ("Lokalt tillväxtprogram för Falu kommun", "tillvaxt"),
        ("Program för tillväxt", "tillvaxt"),
        ("Policy för näringsliv", "annat"),
        ("Handlingsplan för näringslivsarbetet", "annat"),
        ("Ny strategi för att stärka och utveckla Piteås näringsliv", "naringsliv"),
        ("Kommunens nyheter", None),
    ],
)
def test_title_type_rule(title: str, kind: str | None) -> None:
    assert title_type(title) == kind


def test_signal_hits_and_digest_are_stable() -> None:
    assert signal_hits("En årlig handlingsplan tas fram.", ("action_plan", "annual")) == 2
    assert signal_table_digest() == signal_table_digest()
    assert len(signal_table_digest()) == 16


def test_signal_digest_does_not_depend_on_hash_seed() -> None:
    code = "from classify.signals import signal_table_digest; print(signal_table_digest())"
    digests = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": seed, "PATH": ""}, cwd=Path(__file__).resolve().parent.parent
                       ).stdout.strip()
        for seed in ("1", "2")
    }
    assert digests == {signal_table_digest()}


def test_the_shipped_table_fills_every_placeholder() -> None:
    assert len(SIGNALS) == len({s.name for s in SIGNALS}) > 50
    assert [t for _, t in TYPE_PATTERNS] == ["tillvaxt", "annat", "tillvaxt", "naringsliv", "annat"]
    for pattern in [s.pattern for s in SIGNALS] + [p for p, _ in TYPE_PATTERNS]:
        assert "{biz}" not in pattern and "{municipalities}" not in pattern and "{rus_names}" not in pattern


def _table(**signal: Any) -> dict[str, Any]:
    entry = {"name": "s", "zone": "all", "case": False, "pattern": "x"} | signal
    return {"fragments": {"frag": "(?:a|b)"}, "signals": [entry],
            "type_rule": [{"type": "annat", "pattern": "{frag}plan"}]}


def test_load_table_fills_fragments_and_reference_names() -> None:
    signals, rule = load_table(_table(pattern=["{frag}", "-{names}{0,2}"]), {"names": "(?:Vara|Mora)"})
    assert signals[0].pattern == "(?:a|b)-(?:Vara|Mora){0,2}"  # a repetition count is no placeholder
    assert rule == (("(?:a|b)plan", "annat"),)


@pytest.mark.parametrize(("table", "message"), [
    (_table(pattern="{nope}"), r"signal 's': unknown placeholder \{nope\}"),
    (_table(zone="body"), "zone must be one of"),
    (_table(case="yes"), "case must be true or false"),
    (_table(weight=2), "keys must be"),
    (_table(pattern=[]), "pattern must be a string or a list of strings"),
    ({"signals": [_table()["signals"][0]] * 2}, "names must be present and distinct"),
    (_table() | {"type_rule": [{"type": "other", "pattern": "x"}]}, "type_rule 1: needs a type"),
    (_table() | {"fragments": {"names": "x"}}, r"fragments \['names'\] are reference names"),
])
def test_load_table_names_what_is_wrong(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_table(table, {"names": "(?:Vara|Mora)"})
