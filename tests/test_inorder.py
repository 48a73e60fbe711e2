"""crawler/inorder.py: answers to numbered requests come back in request order."""

from __future__ import annotations

from crawler.inorder import InOrder


def test_in_order_holds_an_early_answer_until_the_earlier_request_is_answered() -> None:
    order: InOrder[str] = InOrder()
    assert order.put(2, "b") and order.take() is None  # 1 is still out
    assert order.put(1, "a") and [order.take(), order.take(), order.take()] == ["a", "b", None]
    assert not order.put(2, "again")  # answered before
    assert order.put(5, "e") and order.take() is None
    assert order.give_up(6) == ["e"]  # 3, 4 and 6 were dropped: what arrived goes on, in order
    assert order.take() is None and order.put(7, "g") and order.take() == "g"
