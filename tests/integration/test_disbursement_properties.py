"""Property-based: random sequences of payments, offline refunds, matches and
disbursement requests, approvals, rejections and payouts (some asking for more than is
there) never leave a project's balance or available balance below zero, and what
`minsheng ledger verify` checks — the hash chain, balanced transactions, ledger = source
records — holds after every step. A refused step writes nothing."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
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
    reject_disbursement,
    request_disbursement,
)
from service.disbursements.settlement import record_offline_refund
from service.disbursements.tables import Disbursement
from service.errors import DomainError
from service.ledger.balances import project_fund_figures
from service.ledger.checks import compare_all_events
from service.ledger.services import verify_chain
from service.ledger.tables import LedgerTransaction
from service.matching.drafts import PoolDraft
from service.matching.draws import allocate
from service.matching.pools import create_pool
from service.payments.tables import Refund
from service.projects.tables import Project
from tests import factories
from tests.ledger_world import truncate_all

Percent = st.integers(min_value=1, max_value=160)
Slot = st.integers(min_value=0, max_value=9)
Project01 = st.sampled_from([0, 1])
OPERATIONS = st.one_of(
    st.tuples(st.just("pay"), Project01, st.integers(1_000, 300_000)),
    st.tuples(st.just("refund"), Slot, Percent),
    st.tuples(st.just("match"), Slot, st.just(0)),
    st.tuples(st.just("request"), Project01, Percent),
    st.tuples(st.just("approve"), Slot, st.just(0)),
    st.tuples(st.just("reject"), Slot, st.just(0)),
    st.tuples(st.just("payout"), Slot, st.just(0)),
)


@dataclass
class Model:
    event_number: int
    projects: list[int]
    pool: int
    first: Actor
    second: Actor
    payments: list[tuple[uuid.UUID, int]] = field(default_factory=list)
    requests: list[uuid.UUID] = field(default_factory=list)


async def organizer(name: str) -> Actor:
    user = StaffUser(username=name, display_name=name, password_hash="-", role="organizer")
    await user.save()
    return Actor(f"organizer:{name}", user.id)


async def fresh_world() -> Model:
    await truncate_all()
    event = await factories.event()
    projects = [await factories.project(event.id, budget_fen=(900_000,)) for _ in range(2)]
    sponsor = await factories.organization("enterprise")
    first, second = await organizer("p1"), await organizer("p2")
    pool = await create_pool(
        PoolDraft(event.id, sponsor, "1:1 配捐", 200_000, cap_per_gift_fen=50_000), first
    )
    return Model(event.number, projects, pool, first, second)


async def snapshot() -> tuple[int, int, list[tuple]]:
    rows = await Disbursement.select(Disbursement.id, Disbursement.status).order_by(Disbursement.id)
    return (
        await LedgerTransaction.count(),
        await Refund.count(),
        [tuple(r.values()) for r in rows],
    )


async def apply(model: Model, op: tuple) -> None:
    name, a, b = op
    if name == "pay":
        project = model.projects[a]
        await Project.update({Project.status: "published"}).where(Project.id == project)
        pledge = await factories.pledge(model.event_number, project, b)
        model.payments.append((await factories.bank_payment(pledge, b), b))
        await Project.update({Project.status: "in_progress"}).where(Project.id == project)
    elif name == "refund" and model.payments:
        payment, amount = model.payments[a % len(model.payments)]
        await record_offline_refund(
            payment, max(1, amount * b // 100), f"R-{uuid.uuid4().hex[:8]}", "退回", model.first
        )
    elif name == "match" and model.payments:
        payment, _ = model.payments[a % len(model.payments)]
        await allocate(model.pool, payment)
    elif name == "request":
        project = model.projects[a]
        amount = max(1, max(await available_fen(project), 1_000) * b // 100)
        model.requests.append(
            await request_disbursement(
                DisbursementDraft(project, "里程碑", amount, "施工方"), model.first
            )
        )
    elif name in ("approve", "reject", "payout") and model.requests:
        request = model.requests[a % len(model.requests)]
        if name == "approve":
            await approve_disbursement(request, model.second, "凭证齐全")
        elif name == "reject":
            await reject_disbursement(request, model.second, "凭证不全")
        else:
            await mark_disbursement_paid(
                request, model.first, bank_reference=f"B-{uuid.uuid4().hex[:10]}"
            )


async def ledger_verify_passes() -> None:
    """What `minsheng ledger verify` checks, in process (the command is run for real in
    the test below)."""
    report = await verify_chain()
    assert report.ok, report.problems
    assert await compare_all_events() == []


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(OPERATIONS, min_size=4, max_size=18))
async def test_available_balance_never_negative(clean_db, operations):
    model = await fresh_world()
    for op in [("pay", 0, 200_000), ("pay", 1, 150_000), *operations]:
        before = await snapshot()
        try:
            await apply(model, op)
        except DomainError:
            assert await snapshot() == before, f"{op} was refused but wrote"
        for project in model.projects:
            figures = await project_fund_figures(project)
            assert figures.balance >= 0, (op, figures)
            assert await available_fen(project) >= 0, op
        await ledger_verify_passes()


async def test_the_ledger_verify_command_after_money_went_out(clean_db, database):
    model = await fresh_world()
    for op in [
        ("pay", 0, 300_000),
        ("match", 0, 0),
        ("request", 0, 50),
        ("approve", 0, 0),
        ("payout", 0, 0),
        ("refund", 0, 10),
    ]:
        await apply(model, op)
    assert (await project_fund_figures(model.projects[0])).disbursed > 0
    result = subprocess.run(  # noqa: ASYNC221 - the real command line, once
        [sys.executable, "-m", "service", "ledger", "verify"],
        env={**os.environ, "DATABASE_URL": database},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "balances equal the source records" in result.stdout
    with contextlib.suppress(DomainError):  # refunding what was disbursed is refused
        await apply(model, ("refund", 0, 100))
    assert (await project_fund_figures(model.projects[0])).balance >= 0
