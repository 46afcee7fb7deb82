"""Property-based: random pools (total, ratio, caps, eligible projects) and random
sequences of gifts, refunds, pauses and closes. After every step: the pool never holds
less than zero, every allocation respects the ratio and every cap, refunded gifts keep at
most the match their remainder earns, every settled gift has one matching record, and the
ledger verifies and equals the source records."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.db import write_transaction
from service.donors.services import DonorDraft
from service.donors.tables import Donor
from service.errors import DomainError
from service.matching.allocation import release_match
from service.matching.drafts import PoolDraft
from service.matching.pools import create_pool, set_pool_state
from service.matching.tables import MatchAllocation, MatchDecision, MatchingPool, MatchRelease
from service.payments.services import OfflinePayment, record_offline_payment
from service.payments.tables import Payment
from service.pledges.services import PledgeDraft, create_pledge
from tests import factories
from tests.factories import TEST_ACTOR
from tests.ledger_world import assert_invariants, refund, truncate_all

CAP = st.one_of(st.none(), st.integers(1, 60_000))
POOL = st.fixed_dictionaries(
    {
        "total": st.integers(1, 150_000),
        "ratio": st.sampled_from([(1, 1), (1, 2), (2, 1), (1, 3), (3, 10)]),
        "gift_cap": CAP,
        "project_cap": CAP,
        "donor_day_cap": CAP,
        "only_first_project": st.booleans(),
    }
)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("gift"), st.integers(0, 2), st.integers(100, 80_000), st.integers(0, 3)),
        st.tuples(st.just("refund"), st.integers(0, 30), st.integers(1, 100), st.just(0)),
        st.tuples(
            st.sampled_from(["pause", "resume", "close"]), st.just(0), st.just(0), st.just(0)
        ),
    ),
    min_size=1,
    max_size=14,
)


@dataclass
class World:
    event_id: int
    event_number: int
    projects: list[int]
    pool: int
    donors: list[uuid.UUID]
    gifts: list[tuple[uuid.UUID, int]] = field(default_factory=list)
    refunded: dict[uuid.UUID, int] = field(default_factory=dict)


async def build(params: dict) -> World:
    await truncate_all()
    event = await factories.event()
    projects = [await factories.project(event.id, budget_fen=(10_000_000,)) for _ in range(3)]
    sponsor = await factories.organization("enterprise")
    caps = [params["gift_cap"], params["project_cap"], params["donor_day_cap"]]
    caps = [None if c is None else min(c, params["total"]) for c in caps]
    if caps[0] is not None and caps[1] is not None and caps[0] > caps[1]:
        caps[0] = caps[1]
    pool = await create_pool(
        PoolDraft(
            event.id,
            sponsor,
            "随机配捐池",
            params["total"],
            ratio_numerator=params["ratio"][0],
            ratio_denominator=params["ratio"][1],
            cap_per_gift_fen=caps[0],
            cap_per_project_fen=caps[1],
            cap_per_donor_day_fen=caps[2],
            eligible_project_ids=(projects[0],) if params["only_first_project"] else (),
        ),
        TEST_ACTOR,
    )
    donors = []
    for i in range(4):
        donor = Donor(kind="individual", display_name=f"捐赠人{i}", phone=f"1390000000{i}")
        await donor.save()
        donors.append(donor.id)
    return World(event.id, event.number, projects, pool, donors)


async def apply(world: World, op: tuple) -> None:
    name, a, b, c = op
    if name == "gift":
        result = await create_pledge(
            PledgeDraft(
                event_number=world.event_number,
                project_id=world.projects[a],
                donor=DonorDraft(kind=Donor.Kind.individual, display_name="x"),
                donor_id=world.donors[c],
                amount_fen=b,
            ),
            TEST_ACTOR,
        )
        payment = await record_offline_payment(
            OfflinePayment(
                result.pledge_id,
                Payment.Provider.bank,
                b,
                f"B-{uuid.uuid4().hex[:12]}",
                dt.date(2026, 11, 1),
            ),
            TEST_ACTOR,
        )
        world.gifts.append((payment, b))
    elif name == "refund" and world.gifts:
        payment, amount = world.gifts[a % len(world.gifts)]
        left = amount - world.refunded.get(payment, 0)
        back = max(1, left * b // 100) if left > 0 else 0
        if back:
            async with write_transaction():
                refund_id = await refund(payment, back)
                await release_match(payment, f"refund:{refund_id}", left - back, "refund")
            world.refunded[payment] = world.refunded.get(payment, 0) + back
    elif name in ("pause", "resume", "close"):
        await set_pool_state(world.pool, name, "测试", TEST_ACTOR)


async def check(world: World) -> None:
    pool = await MatchingPool.select().where(MatchingPool.id == world.pool).first()
    allocations = await MatchAllocation.select()
    releases = await MatchRelease.select()
    released = {}
    for row in releases:
        released[row["allocation"]] = released.get(row["allocation"], 0) + row["amount_fen"]
    net = sum(a["amount_fen"] for a in allocations) - sum(released.values())
    assert 0 <= pool["allocated_fen"] == net <= pool["total_fen"]
    gift_of = dict(world.gifts)
    per_project: dict[int, int] = {}
    for row in allocations:
        amount = gift_of[row["payment"]]
        ratio = amount * pool["ratio_numerator"] // pool["ratio_denominator"]
        assert 0 < row["amount_fen"] <= ratio
        if pool["cap_per_gift_fen"] is not None:
            assert row["amount_fen"] <= pool["cap_per_gift_fen"]
        remaining = amount - world.refunded.get(row["payment"], 0)
        keeps = row["amount_fen"] - released.get(row["id"], 0)
        assert 0 <= keeps <= remaining * pool["ratio_numerator"] // pool["ratio_denominator"]
        per_project[row["project"]] = per_project.get(row["project"], 0) + keeps
    if pool["cap_per_project_fen"] is not None:
        assert all(v <= pool["cap_per_project_fen"] for v in per_project.values())
    decisions = await MatchDecision.select()
    assert sorted(d["payment"] for d in decisions) == sorted(p for p, _ in world.gifts)
    for d in decisions:
        if d["outcome"] == "none":
            assert d["reason"] and d["matched_fen"] == 0
    await assert_invariants(world.event_id, world.event_number)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(params=POOL, operations=OPERATIONS)
async def test_matching_invariants_hold_after_every_step(clean_db, params, operations):
    world = await build(params)
    for op in operations:
        with contextlib.suppress(DomainError):  # a refused move must move nothing
            await apply(world, op)
        await check(world)
