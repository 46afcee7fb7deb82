"""Helpers for ledger tests: money movements the other domains will own (refunds, pledge
cancellation) done the way their services must do them, and the §4 invariant checks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from service.db import write_transaction
from service.ledger import rules
from service.ledger.balances import event_fund_figures
from service.ledger.checks import compare_event, source_fund_figures
from service.ledger.running import balance_findings
from service.ledger.services import verify_chain
from service.ledger.tables import LedgerEntry
from service.matching.tables import MatchingPool
from service.payments.tables import Payment, Refund
from service.pledges.tables import Pledge


async def refund(payment_id: uuid.UUID, amount_fen: int) -> uuid.UUID:
    """A succeeded refund row and its posting, in one transaction."""
    refund_id = uuid.uuid4()
    async with write_transaction():
        payment = (
            await Payment.select(
                Payment.provider,
                Payment.pledge.event.as_alias("event"),
                Payment.pledge.project.as_alias("project"),
            )
            .where(Payment.id == payment_id)
            .first()
        )
        await Refund.insert(
            Refund(id=refund_id, payment=payment_id, amount_fen=amount_fen, status="succeeded")
        )
        await rules.refund(
            refund_id=refund_id,
            provider=payment["provider"],
            event_id=payment["event"],
            project_id=payment["project"],
            amount_fen=amount_fen,
        )
    return refund_id


async def cancel_pledge(pledge_id: uuid.UUID, status: str = "cancelled") -> int:
    """Cancel (or lapse) a pledge: its unpaid remainder is released. Returns it."""
    from service.payments.services import paid_fen

    async with write_transaction():
        pledge = await Pledge.select().where(Pledge.id == pledge_id).first()
        remainder = pledge["amount_fen"] - await paid_fen(pledge_id)
        await Pledge.update({Pledge.status: status}).where(Pledge.id == pledge_id)
        if remainder > 0:
            await rules.pledge_released(
                pledge_id=pledge_id,
                event_id=pledge["event"],
                project_id=pledge["project"],
                amount_fen=remainder,
                reason=status,
            )
    return remainder


async def assert_invariants(event_id: int, event_number: int) -> None:
    """docs/architecture.md, Money invariants, after any step: integer fen, balanced,
    chained, ledger = sources, no pool overdrawn."""
    report = await verify_chain()
    assert report.ok, report.problems
    entries = await LedgerEntry.raw(
        'SELECT "transaction", SUM(amount_fen) AS s FROM ledger_entry GROUP BY "transaction" '
        "HAVING SUM(amount_fen) <> 0"
    )
    assert entries == []
    assert await compare_event(event_id, event_number) == []
    assert await balance_findings() == []  # running balances = sums of the entries
    ledger = await event_fund_figures(event_id)
    sources = await source_fund_figures(event_id)
    for key in set(ledger) | set(sources):
        if key in ledger and key in sources:
            assert ledger[key].as_dict() == sources[key].as_dict()
    for pool in await MatchingPool.select():
        assert 0 <= pool["allocated_fen"] <= pool["total_fen"]


@dataclass(frozen=True)
class World:
    """An edition with money in every state: paid, partly paid, refunded, matched,
    disbursed, reallocated, cancelled, and a general-fund gift."""

    event_id: int
    event_number: int
    projects: tuple[int, int]
    auditor_token: str
    owner_token: str
    pledges: int


async def build_world() -> World:
    from service.audit.services import Actor
    from service.auth.services import UserDraft, create_user, issue_token
    from service.auth.tables import StaffUser
    from service.disbursements.services import (
        DisbursementDraft,
        approve_disbursement,
        mark_disbursement_paid,
        reallocate_to_general_fund,
        request_disbursement,
    )
    from service.matching.drafts import PoolDraft
    from service.matching.draws import allocate
    from service.matching.pools import create_pool
    from service.pledges.services import PledgeDraft, create_pledge
    from tests import factories

    org1 = await create_user(UserDraft("w-org1", "a long password 1", StaffUser.Role.organizer))
    org2 = await create_user(UserDraft("w-org2", "a long password 2", StaffUser.Role.organizer))
    auditor = await create_user(UserDraft("w-aud", "a long password 3", StaffUser.Role.auditor))
    owner_org = await factories.organization()
    owner = await create_user(
        UserDraft("w-own", "a long password 4", StaffUser.Role.project_owner, "", None, owner_org)
    )
    first, second = Actor("organizer:w-org1", org1), Actor("organizer:w-org2", org2)
    event = await factories.event()
    a = await factories.project(event.id, budget_fen=(2_000_000,))
    b = await factories.project(event.id, budget_fen=(900_000,))
    paid = await factories.pledge(event.number, a, 600_000)
    pay_a = await factories.bank_payment(paid, 600_000)
    partly = await factories.pledge(event.number, b, 300_000)
    pay_b = await factories.bank_payment(partly, 120_000)
    nasty = await create_pledge(
        PledgeDraft(
            event.number, b, factories.donor_draft('=HYPERLINK("x")'), 50_000, message="@SUM(1)"
        ),
        factories.TEST_ACTOR,
    )
    await cancel_pledge(nasty.pledge_id)
    general = await factories.pledge(event.number, None, 30_000)
    await factories.bank_payment(general, 30_000)
    sponsor = await factories.organization("enterprise")
    pool = await create_pool(PoolDraft(event.id, sponsor, "企业配捐", 200_000), first)
    await allocate(pool, pay_a)
    await allocate(pool, pay_b)
    await refund(pay_b, 20_000)
    d = await request_disbursement(DisbursementDraft(a, "一期", 250_000, "施工方"), first)
    await approve_disbursement(d, second)
    await mark_disbursement_paid(d, second)
    await reallocate_to_general_fund(a, 5_000, "结余", first)
    return World(
        event.id,
        event.number,
        (a, b),
        await issue_token(auditor, "audit"),
        await issue_token(owner, "owner"),
        pledges=4,
    )


async def truncate_all() -> None:
    """What the clean_db fixture does, for module-scoped worlds."""
    from service.db import get_engine
    from service.piccolo_app import APP_CONFIG

    tables = ", ".join(t._meta.tablename for t in APP_CONFIG.table_classes)
    await get_engine().run_ddl(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
