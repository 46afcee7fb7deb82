"""The pledge's money rules (service/pledges/money.py): payable, outstanding, status."""

from __future__ import annotations

import pytest

from service.pledges import money
from service.pledges.tables import Pledge

S = Pledge.Status


@pytest.mark.parametrize(
    ("amount", "paid", "status", "expected"),
    [
        (10_000, 0, "pledged", 10_000),
        (10_000, 2_500, "partially_paid", 7_500),
        (10_000, 10_000, "paid", 0),
        (10_000, 12_000, "paid", 0),  # overpaid (flagged elsewhere): owes nothing, not less
        (10_000, 2_500, "cancelled", 0),  # the remainder was released
        (10_000, 0, "lapsed", 0),
    ],
)
def test_outstanding_is_the_unpaid_part_of_a_payable_pledge(amount, paid, status, expected):
    assert money.outstanding(amount, paid, status) == expected


def test_only_pledged_and_partially_paid_take_money():
    assert {s.value for s in S if money.is_payable(s.value)} == {"pledged", "partially_paid"}
    assert set(money.PAYABLE) | set(money.CLOSED_UNPAID) | {"paid"} == {s.value for s in S}


def test_due_now_leaves_out_what_is_authorized():
    assert money.due_now(10_000, 2_000, 3_000, "partially_paid") == 5_000
    assert money.due_now(10_000, 0, 10_000, "pledged") == 0
    assert money.due_now(10_000, 0, 0, "cancelled") == 0


@pytest.mark.parametrize(
    ("paid", "expected"),
    [(0, S.pledged), (1, S.partially_paid), (9_999, S.partially_paid), (10_000, S.paid)],
)
def test_status_after_a_payment(paid, expected):
    assert money.status_after(10_000, paid) is expected


def test_status_after_a_refund():
    assert money.status_after_refund("paid", 10_000, 10_000) is S.cancelled
    assert money.status_after_refund("paid", 10_000, 4_000) is None  # partial: unchanged
    assert money.status_after_refund("partially_paid", 4_000, 4_000) is None
