from __future__ import annotations

import pytest

from crawler.frontier import Frontier, LinkInfo
from crawler.linkscore import LinkFeatures, fold, fold_url, is_direct_hit, score_link, score_page
from crawler.linksignals import SIGNALS, TIER1_SCORE


def test_fold_handles_swedish_letters_and_oe_spelling() -> None:
    assert fold("Näringslivsprogram  för Åre") == "naringslivsprogram for are"
    assert fold("naeringsliv foeretag") == "naringsliv foretag"


def test_fold_url_decodes_percent_and_plus() -> None:
    assert "naringslivsprogram 2024" in fold_url("https://x.se/download/18.a/1/N%C3%A4ringslivsprogram+2024.pdf")


@pytest.mark.parametrize(
    "features",
    [
        LinkFeatures(url="https://x.se/a.html", anchor="Näringslivsprogram 2024–2027"),
        LinkFeatures(url="https://x.se/foretagnaringsliv/lokalnaringslivsstrategi.4.585cfb4e14674e158c92f9e3.html",
                     anchor="Läs mer"),
        LinkFeatures(url="https://x.se/berg/tillvaxtprogram2040.4.1c57.html", anchor=""),
        LinkFeatures(url="https://x.se/x", anchor="Plan för näringslivsutveckling"),
        LinkFeatures(url="https://x.se/uppleva-och-goera/naeringslivsprogram/", anchor="Program"),
        LinkFeatures(url="https://x.se/x", anchor="Tillväxt- och näringslivsprogram"),
    ],
)
def test_tier1_terms_in_anchor_or_url_are_direct_hits(features: LinkFeatures) -> None:
    score = score_link(features)
    assert score.tier1 and is_direct_hit(score), score


def test_hubs_rank_between_targets_and_ordinary_pages() -> None:
    target = score_link(LinkFeatures(url="https://x.se/n/naringslivsprogram/", anchor="Näringslivsprogram"))
    business = score_link(LinkFeatures(url="https://x.se/naringsliv-och-arbete/", anchor="Näringsliv och arbete"))
    governance = score_link(LinkFeatures(url="https://x.se/kommun--politik/styrdokument/", anchor="Styrdokument"))
    school = score_link(LinkFeatures(url="https://x.se/skola/", anchor="Förskola och skola"))
    plain = score_link(LinkFeatures(url="https://x.se/om/", anchor="Om oss"))
    assert target.value > business.value > plain.value > school.value
    assert governance.value > plain.value
    assert not business.tier1 and business.value < TIER1_SCORE


def test_trap_parameters_and_sections_are_penalised() -> None:
    state = score_link(LinkFeatures(url="https://x.se/naringsliv?sv.url=12.ab&state=view", anchor="Näringsliv"))
    clean = score_link(LinkFeatures(url="https://x.se/naringsliv", anchor="Näringsliv"))
    assert state.value < clean.value


def test_document_block_context_raises_score() -> None:
    base = LinkFeatures(url="https://x.se/download/18.a/1/plan.pdf", anchor="plan.pdf (pdf, 1 MB)")
    boosted = LinkFeatures(url=base.url, anchor=base.anchor, block="dokument", context="Näringsliv")
    assert score_link(boosted).value > score_link(base).value


def test_page_score_recognises_programme_pages() -> None:
    assert is_direct_hit(score_page("https://x.se/a", "Näringslivsstrategi 2030 - Testby kommun"))
    assert not is_direct_hit(score_page("https://x.se/a", "Barn och utbildning"))


def test_signals_are_data() -> None:
    names = [s.name for s in SIGNALS]
    assert len(names) == len(set(names))
    assert {s.place for s in SIGNALS} <= {"anchor", "url", "context", "block", "host"}


def test_best_first_frontier_pops_by_score_and_caps_trap_families() -> None:
    f = Frontier(best_first=True, max_size=100)
    f.push("https://x.se/a", LinkInfo(score=1))
    f.push("https://x.se/b", LinkInfo(score=50))
    assert not f.push("https://x.se/b/", LinkInfo(score=60))  # duplicate after canonicalisation
    pushed = sum(f.push(f"https://x.se/evenemang?date=2026-01-{d:02d}", LinkInfo(score=5)) for d in range(1, 30))
    assert pushed == 2
    assert f.pop()[0] == "https://x.se/b"  # type: ignore[index]


def test_breadth_first_frontier_is_fifo_and_uncapped() -> None:
    f = Frontier(best_first=False, max_size=100, cap_traps=False)
    for d in range(1, 10):
        f.push(f"https://x.se/evenemang?date=2026-01-{d:02d}", LinkInfo(score=d))
    assert f.pop()[0].endswith("01")  # type: ignore[index]
    assert len(f) == 8


def test_frontier_memory_is_bounded() -> None:
    f = Frontier(best_first=True, max_size=50)
    for i in range(500):
        f.push(f"https://x.se/p{i}", LinkInfo(score=i))
    assert len(f) <= 50
    assert f.best_score() == 499
