"""Tests for classify.guards: business words, hub pages."""

from __future__ import annotations

from classify.guards import business_words, is_hub_page


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
