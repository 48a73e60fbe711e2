"""Tests for classify.features: normalisation, stemming, sentences, reference names, signals, specs."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from classify.features import (
    HEAD_CHARS,
    TASK_SPECS,
    DomainFeatures,
    StemAnalyzer,
    business_words,
    cap_text,
    eval_spec,
    is_hub_page,
    normalize,
    reference_names,
    signal_counts,
    signal_hits,
    signal_table_digest,
    split_sentences,
    title_lines,
    title_type,
)


def test_normalize_unifies_nfd_and_case() -> None:
    nfd = unicodedata.normalize("NFD", "Näringslivsprogram")
    assert normalize(nfd) == "näringslivsprogram"


def test_stem_analyzer_is_nfd_safe_and_drops_stop_words() -> None:
    analyzer = StemAnalyzer()
    nfd = unicodedata.normalize("NFD", "Handlingsplanerna och HÅLLBARHET")
    assert analyzer(nfd) == analyzer("handlingsplanerna och hållbarhet")
    assert "och" not in analyzer("handlingsplanerna och hållbarhet")
    assert analyzer("hållbara") == analyzer("hållbarhet")  # both stem to "hållbar"


def test_split_sentences_uses_lines_and_sentence_ends() -> None:
    text = "Näringslivsprogram 2020-2024\n• Första punkten. Andra meningen! 3 mål.\n\nSlut"
    assert split_sentences(text) == ["Näringslivsprogram 2020-2024", "Första punkten.", "Andra meningen!",
                                     "3 mål.", "Slut"]


def test_reference_names_come_from_the_bundled_csvs() -> None:
    names = reference_names()
    assert "Sörmlandsstrategin" in names["rus"]
    assert "RUFS" in names["rus"]
    assert "Business Region Göteborg" in names["collab"]
    assert "BRG" in names["collab"]
    # Service collaborations (schools, waste) are not business links.
    assert not any("utbildningsförbund" in n for n in names["collab"])
    # A bare place name would match every text about the county.
    assert "Halland" not in names["rus"]


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


def test_business_words_and_hub_pages() -> None:
    assert business_words("Policy för lokalförsörjning\nDokumentet gäller lokaler.") == 0
    assert business_words("Fler fBretag och jobb i Norberg") == 2
    hub = (
        "Näringslivsstrategi\nLäs mer om näringslivsstrategi.\nKontakta kontaktcenter.\nDokument\n"
        "- Näringslivsstrategi 2026–2030 (docx, 3664 kB)"
    )
    assert is_hub_page(hub)
    page = hub + "\n" + "Strategin pekar ut fyra målområden för ett bättre företagsklimat i kommunen. " * 4
    assert not is_hub_page(page)
    assert not is_hub_page("Kort programtext utan navigering.")


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


def test_eval_spec_operators() -> None:
    counts = {"a": 3, "b": 0}
    assert eval_spec("has:a", counts) == 1.0
    assert eval_spec("many:a", counts) == 1.0
    assert eval_spec("log:b", counts) == 0.0
    assert eval_spec(["all", "has:a", ["not", "has:b"]], counts) == 1.0
    assert eval_spec(["any", "has:b", ["not", "has:a"]], counts) == 0.0
    with pytest.raises(ValueError, match="unknown spec kind 'max'"):
        eval_spec("max:a", counts)
    with pytest.raises(ValueError, match="unknown spec operator 'xor'"):
        eval_spec(["xor", "has:a"], counts)


def test_every_task_spec_evaluates() -> None:
    counts = signal_counts("Näringslivsstrategi 2020-2024 antagen av kommunfullmäktige i Mora kommun.")
    for task, specs in TASK_SPECS.items():
        values = [eval_spec(s, counts) for s in specs]
        assert all(v >= 0 for v in values), task


def test_domain_features_transformer() -> None:
    X = ["Näringslivsprogram för Mora kommun", "Region Dalarna"]
    dom = DomainFeatures("action_plan").fit(X)
    assert dom.transform(X).shape == (2, len(TASK_SPECS["action_plan"]))
    assert len(dom.get_feature_names_out()) == len(TASK_SPECS["action_plan"])
    with pytest.raises(ValueError, match="unknown task 'nope'"):
        DomainFeatures("nope").fit(X)


def test_cap_text_keeps_head_and_tag_sentences() -> None:
    filler = "Detta är en mening om vägar och skolor. " * 400
    text = "Näringslivsprogram för Mora kommun.\n" + filler + "\nProgrammet utgår från RUFS 2050.\n" + filler
    capped = cap_text(text, limit=2000)
    assert capped.startswith("Näringslivsprogram för Mora kommun.")
    assert "Programmet utgår från RUFS 2050." in capped
    assert len(capped) < 3000
    assert cap_text("kort", limit=2000) == "kort"


def test_signal_hits_and_digest_are_stable() -> None:
    assert signal_hits("En årlig handlingsplan tas fram.", ("action_plan", "annual")) == 2
    assert signal_table_digest() == signal_table_digest()
    assert len(signal_table_digest()) == 16


def test_signal_digest_does_not_depend_on_hash_seed() -> None:
    import subprocess
    import sys

    code = "from classify.features import signal_table_digest; print(signal_table_digest())"
    digests = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": seed, "PATH": ""}, cwd=Path(__file__).resolve().parent.parent
                       ).stdout.strip()
        for seed in ("1", "2")
    }
    assert digests == {signal_table_digest()}
