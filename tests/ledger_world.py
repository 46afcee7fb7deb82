"""Helpers for ledger tests: money movements the other domains will own (refunds, pledge
cancellation) done the way their services must do them, and the §4 invariant checks."""

from __future__ import annotations

import uuid

from service.db import write_transaction
from service.ledger import rules
from service.ledger.balances import event_fund_figures
from service.ledger.checks import compare_event, source_fund_figures
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
    """DESIGN §4 after any step: integer fen, balanced, chained, ledger = sources,
    no pool overdrawn."""
    report = await verify_chain()
    assert report.ok, report.problems
    entries = await LedgerEntry.raw(
        'SELECT "transaction", SUM(amount_fen) AS s FROM ledger_entry GROUP BY "transaction" '
        "HAVING SUM(amount_fen) <> 0"
    )
    assert entries == []
    assert await compare_event(event_id, event_number) == []
    ledger = await event_fund_figures(event_id)
    sources = await source_fund_figures(event_id)
    for key in set(ledger) | set(sources):
        if key in ledger and key in sources:
            assert ledger[key].as_dict() == sources[key].as_dict()
    for pool in await MatchingPool.select():
        assert 0 <= pool["allocated_fen"] <= pool["total_fen"]
