"""The review queue flags a row from the probabilities behind what it publishes, and says which."""

from __future__ import annotations

from typing import Any

import pytest

from publish.review import (
    IS_PROGRAM_MARGIN,
    TAG_MARGIN,
    logit,
    model_thresholds,
    review_row,
    tag_probability,
)

THRESHOLDS = {"is_program": 0.5, "rus_link": 0.15, "intermunicipal_link": 0.5, "action_plan": 0.4,
              "sustainability": 0.2, "business_collaboration": 0.5, "annual_activities": 0.35}
TAGS_FALSE = {"rus_link": False, "intermunicipal_link": False, "action_plan": False, "sustainability": False,
              "business_collaboration": False, "annual_activities": False, "program_type": "naringsliv"}


def prediction(p_programme: float, p_type: float = 0.9, **conditional: float) -> dict[str, Any]:
    """A stored prediction: tag confidences are P(programme) * P(tag | programme), as the model writes them."""
    tags = {label: 0.01 for label in TAGS_FALSE if label != "program_type"} | conditional
    return {"confidence": {"is_program": p_programme, "program_type": p_type,
                           **{label: p_programme * p for label, p in tags.items()}}}


def test_a_confident_programme_with_clear_tags_is_not_flagged() -> None:
    review = review_row("program_found", prediction(0.99, sustainability=0.9),
                        {**TAGS_FALSE, "sustainability": True}, [0.02], THRESHOLDS)
    assert not review.needs_review and review.text is None


def test_an_uncertain_programme_names_is_program_and_its_probability() -> None:
    review = review_row("program_found", prediction(0.58), TAGS_FALSE, [], THRESHOLDS)
    assert review.needs_review and review.text == "is_program 0.58"


def test_tags_near_their_threshold_are_named_in_order_with_the_conditional_probability() -> None:
    review = review_row("program_found", prediction(0.98, sustainability=0.3, business_collaboration=0.55),
                        {**TAGS_FALSE, "sustainability": True, "business_collaboration": True}, [], THRESHOLDS)
    assert review.text == "sustainability 0.30; business_collaboration 0.55"


def test_a_low_threshold_does_not_flag_every_false_tag() -> None:
    # 0.02 is far below a threshold of 0.15 in log-odds, though only 0.13 below it in probability.
    assert not review_row("program_found", prediction(0.98, rus_link=0.02), TAGS_FALSE, [], THRESHOLDS).reasons


def test_a_tag_published_against_its_probability_is_flagged() -> None:
    # The annual-activities rule can publish action_plan true with P(action_plan | programme) far below 0.4.
    review = review_row("program_found", prediction(0.98, action_plan=0.05),
                        {**TAGS_FALSE, "action_plan": True}, [], THRESHOLDS)
    assert review.text == "action_plan 0.05"


def test_an_unsure_programme_type_is_flagged() -> None:
    assert review_row("program_found", prediction(0.98, p_type=0.45), TAGS_FALSE, [], THRESHOLDS).text == \
        "program_type 0.45"


@pytest.mark.parametrize("status", ["no_program_found", "draft_only", "expired_only", "blocked_by_robots"])
def test_a_nearly_accepted_document_puts_a_status_without_programme_to_review(status: str) -> None:
    chosen = prediction(0.97) if status == "expired_only" else None
    review = review_row(status, chosen, {}, [0.05, 0.41, None, 0.3], THRESHOLDS)
    assert review.text == "status 0.41"
    assert not review_row(status, chosen, {}, [0.05, 0.1, None], THRESHOLDS).needs_review


def test_unreached_sites_have_nothing_to_review() -> None:
    assert not review_row("site_unreachable", None, {}, [0.49], THRESHOLDS).needs_review


def test_margins_are_in_log_odds_on_both_sides() -> None:
    edge = 1 / (1 + pow(2.718281828459045, -(logit(0.5) + IS_PROGRAM_MARGIN)))
    assert review_row("program_found", prediction(edge - 0.01), TAGS_FALSE, [], THRESHOLDS).needs_review
    assert not review_row("program_found", prediction(edge + 0.01), TAGS_FALSE, [], THRESHOLDS).needs_review
    low = 1 / (1 + pow(2.718281828459045, -(logit(0.2) - TAG_MARGIN)))
    for p, flagged in ((low + 0.01, True), (low - 0.01, False)):
        got = review_row("program_found", prediction(0.99, sustainability=p), TAGS_FALSE, [], THRESHOLDS)
        assert got.needs_review is flagged


def test_tag_probability_is_the_conditional_the_threshold_applies_to() -> None:
    assert tag_probability({"is_program": 0.5, "sustainability": 0.2}, "sustainability") == pytest.approx(0.4)
    assert tag_probability({"is_program": 0.0, "sustainability": 0.0}, "sustainability") is None
    assert tag_probability({"is_program": 0.9}, "sustainability") is None


def test_model_thresholds_come_from_the_shipped_model() -> None:
    from base.vocabulary import TAGS
    from classify.model import load_model

    thresholds = model_thresholds(load_model())
    assert set(thresholds) == {"is_program", *TAGS}
    assert all(0 < t < 1 for t in thresholds.values())
