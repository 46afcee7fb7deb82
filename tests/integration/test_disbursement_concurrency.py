"""Concurrent requests, approvals, refunds and payouts against one project's balance are
decided one at a time under the project's row lock: whatever the interleaving, no more
is promised or paid than the project holds."""

from __future__ import annotations

import asyncio

from service.audit.services import Actor
from service.auth.tables import StaffUser
from service.disbursements.services import (
    DisbursementDraft,
    approve_disbursement,
    available_fen,
    mark_disbursement_paid,
    request_disbursement,
)
from service.disbursements.settlement import record_offline_refund
from service.disbursements.tables import Disbursement
from service.errors import DomainError, NotAllowed
from service.ledger.balances import project_fund_figures
from service.ledger.checks import compare_all_events
from service.ledger.services import verify_chain
from service.projects.tables import Project
from tests import factories
from tests.ledger_world import refund as dashboard_refund


async def organizer(name: str) -> Actor:
    user = StaffUser(username=name, display_name=name, password_hash="-", role="organizer")
    await user.save()
    return Actor(f"organizer:{name}", user.id)


async def project_with(received_fen: int) -> tuple[int, list]:
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    payments = []
    for part in (received_fen // 2, received_fen - received_fen // 2):
        pledge = await factories.pledge(event.number, project, part)
        payments.append(await factories.bank_payment(pledge, part))
    await Project.update({Project.status: "in_progress"}).where(Project.id == project)
    return project, payments


async def settle(*calls) -> tuple[list, list[DomainError]]:
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, DomainError):
            raise result
    return (
        [r for r in results if not isinstance(r, BaseException)],
        [r for r in results if isinstance(r, DomainError)],
    )


async def test_concurrent_requests_reserve_no_more_than_the_balance(clean_db):
    project, _ = await project_with(100_000)
    first = await organizer("c1")
    made, refused = await settle(
        *[
            request_disbursement(DisbursementDraft(project, "一期", 30_000, "施工方"), first)
            for _ in range(8)
        ]
    )
    assert len(made) == 3 and len(refused) == 5
    assert all(e.errors[0].field == "amount_fen" for e in refused)
    assert await available_fen(project) == 10_000


async def test_concurrent_approvals_after_the_balance_shrank(clean_db):
    project, payments = await project_with(100_000)
    first, second = await organizer("c1"), await organizer("c2")
    requests = [
        await request_disbursement(DisbursementDraft(project, "一期", 30_000, "施工方"), first)
        for _ in range(3)
    ]
    # A refund made in the provider's dashboard cannot be refused: the balance is now
    # 60 000 fen against 90 000 requested.
    await dashboard_refund(payments[0], 40_000)
    approved, refused = await settle(
        *[approve_disbursement(r, second, "ok") for r in requests],
        record_offline_refund(payments[1], 5_000, "R-1", "退回", first),
    )
    assert len(approved) == 2
    assert len(refused) == 2 and all(isinstance(e, NotAllowed) for e in refused)
    statuses = sorted(r["status"] for r in await Disbursement.select(Disbursement.status))
    assert statuses == ["approved", "approved", "requested"]

    paid, refused = await settle(
        *[mark_disbursement_paid(r, first, bank_reference=f"B-{i}") for i, r in enumerate(requests)]
    )
    assert len(paid) == 2 and len(refused) == 1
    figures = await project_fund_figures(project)
    assert figures.disbursed == 60_000
    assert figures.balance == 0
    assert (await verify_chain()).ok
    assert await compare_all_events() == []
