"""Tests for classify.blocks: the domain-spec transformer (the exported blocks: tests/test_model.py)."""

from __future__ import annotations

import pytest

from classify.blocks import DomainFeatures
from classify.specs import TASK_SPECS


def test_domain_features_transformer() -> None:
    X = ["Näringslivsprogram för Mora kommun", "Region Dalarna"]
    dom = DomainFeatures("action_plan").fit(X)
    assert dom.transform(X).shape == (2, len(TASK_SPECS["action_plan"]))
    assert len(dom.get_feature_names_out()) == len(TASK_SPECS["action_plan"])
    with pytest.raises(ValueError, match="unknown task 'nope'"):
        DomainFeatures("nope").fit(X)
