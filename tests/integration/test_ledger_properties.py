"""Property-based: random sequences of pledges, payments, refunds, matching, disbursements,
cancellations and reallocations; every money invariant (docs/architecture.md) holds after
each step."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.audit.services import Actor
from service.auth.tables import StaffUser
from service.disbursements.services import (
    DisbursementDraft,
    approve_disbursement,
    available_fen,
    mark_disbursement_paid,
    reallocate_to_general_fund,
    request_disbursement,
)
from service.errors import DomainError
from service.ledger.balances import event_fund_figures
from service.matching.drafts import PoolDraft
from service.matching.draws import allocate
from service.matching.pools import create_pool
from tests import factories
from tests.ledger_world import assert_invariants, cancel_pledge, refund, truncate_all

Fraction = st.integers(min_value=1, max_value=100)
Slot = st.integers(min_value=0, max_value=9)
PLEDGE = st.tuples(st.just("pledge"), st.sampled_from([0, 1, None]), st.integers(100, 200_000))
PAY = st.tuples(st.just("pay"), Slot, Fraction)
OPERATIONS = st.one_of(
    PLEDGE,
    PAY,
    st.tuples(st.just("refund"), Slot, Fraction),
    st.tuples(st.just("match"), Slot, st.sampled_from([0, 1])),
    st.tuples(st.just("disburse"), st.sampled_from([0, 1]), Fraction),
    st.tuples(st.just("cancel"), Slot, st.sampled_from(["cancelled", "lapsed"])),
    st.tuples(st.just("reallocate"), st.sampled_from([0, 1]), Fraction),
)


@dataclass
class Model:
    """What the test knows about the world it built: ids and what is still open."""

    event_id: int
    event_number: int
    projects: list[int]
    pools: list[int]
    first: Actor
    second: Actor
    pledges: list[tuple[uuid.UUID, int]] = field(default_factory=list)
    outstanding: dict[uuid.UUID, int] = field(default_factory=dict)
    payments: list[tuple[uuid.UUID, int]] = field(default_factory=list)
    refunded: dict[uuid.UUID, int] = field(default_factory=dict)


async def organizer(name: str) -> Actor:
    # Password hashing is not under test here: a placeholder hash keeps examples fast.
    user = StaffUser(username=name, display_name=name, password_hash="-", role="organizer")
    await user.save()
    return Actor(f"organizer:{name}", user.id)


async def fresh_world() -> Model:
    await truncate_all()
    event = await factories.event()
    projects = [await factories.project(event.id, budget_fen=(600_000,)) for _ in range(2)]
    sponsor = await factories.organization("enterprise")
    first, second = await organizer("p1"), await organizer("p2")
    pools = [
        await create_pool(
            PoolDraft(event.id, sponsor, "1:1 配捐", 150_000, cap_per_gift_fen=60_000), first
        ),
        await create_pool(
            PoolDraft(
                event.id,
                sponsor,
                "1:2 配捐",
                90_000,
                ratio_numerator=1,
                ratio_denominator=2,
                cap_per_project_fen=50_000,
            ),
            first,
        ),
    ]
    return Model(event.id, event.number, projects, pools, first, second)


async def apply(model: Model, op: tuple) -> None:
    name, a, b = op
    if name == "pledge":
        project = None if a is None else model.projects[a]
        pledge = await factories.pledge(model.event_number, project, b)
        model.pledges.append((pledge, b))
        model.outstanding[pledge] = b
    elif name == "pay" and model.pledges:
        pledge, _ = model.pledges[a % len(model.pledges)]
        due = model.outstanding.get(pledge, 0)
        if due > 0:
            amount = max(1, due * b // 100)
            payment = await factories.bank_payment(pledge, amount)
            model.outstanding[pledge] = due - amount
            model.payments.append((payment, amount))
    elif name == "refund" and model.payments:
        payment, amount = model.payments[a % len(model.payments)]
        left = amount - model.refunded.get(payment, 0)
        if left > 0:
            back = max(1, left * b // 100)
            await refund(payment, back)
            model.refunded[payment] = model.refunded.get(payment, 0) + back
    elif name == "match" and model.payments:
        payment, _ = model.payments[a % len(model.payments)]
        await allocate(model.pools[b], payment)
    elif name == "disburse":
        project = model.projects[a]
        available = await available_fen(project)
        if available > 0:
            request = await request_disbursement(
                DisbursementDraft(project, "里程碑", max(1, available * b // 100), "施工方"),
                model.first,
            )
            await approve_disbursement(request, model.second)
            await mark_disbursement_paid(request, model.second)
    elif name == "cancel" and model.pledges:
        pledge, _ = model.pledges[a % len(model.pledges)]
        if pledge in model.outstanding:
            await cancel_pledge(pledge, b)
            del model.outstanding[pledge]
    elif name == "reallocate":
        project = model.projects[a]
        available = await available_fen(project)
        if available > 0:
            await reallocate_to_general_fund(
                project, max(1, available * b // 100), "转入公共基金", model.first
            )


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.lists(st.tuples(PLEDGE, PAY), min_size=1, max_size=4),
    operations=st.lists(OPERATIONS, min_size=3, max_size=14),
)
async def test_invariants_hold_after_every_step(clean_db, seed, operations):
    model = await fresh_world()  # each example starts from empty tables
    # A few pledges paid (in part) first, so later steps have money to move.
    steps = [step for pair in seed for step in pair] + operations
    for op in steps:
        # A refused step (over the target, the pool or a cap) must have moved nothing.
        with contextlib.suppress(DomainError):
            await apply(model, op)
        await assert_invariants(model.event_id, model.event_number)
    figures = await event_fund_figures(model.event_id)
    received = sum(f.received for f in figures.values())
    assert received == sum(amount for _, amount in model.payments)
    refunded = sum(f.refunded for f in figures.values())
    assert refunded == sum(model.refunded.values())
