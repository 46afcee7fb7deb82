"""The pledge's money state in one place: the one list of unpaid pledges that every
screen uses, and the one settle step every offline provider goes through."""

from __future__ import annotations

import datetime as dt

from service.audit.tables import AuditLog
from service.ledger.reports import unpaid_pledges as auditors_unpaid
from service.outbox.tables import OutboxMessage
from service.payments.services import OfflinePayment, record_offline_payment
from service.payments.tables import Payment
from service.pledges import money
from service.pledges.codes import pledge_code
from service.pledges.lifecycle import cancel_pledge
from service.pledges.tables import Pledge
from service.pledges.tracking import find_open_pledges, overdue_pledges
from service.statements.proposals import open_candidates
from tests import factories


async def test_one_list_of_unpaid_pledges_agrees_everywhere(clean_db):
    event = await factories.event()
    other = await factories.event()
    project = await factories.project(event.id)
    owed = await factories.pledge(event.number, project, 50_000, due_on=dt.date(2026, 11, 1))
    partly = await factories.pledge(event.number, project, 30_000, due_on=dt.date(2026, 12, 1))
    await factories.bank_payment(partly, 10_000)
    settled = await factories.pledge(event.number, project, 20_000)
    await factories.bank_payment(settled, 20_000)
    cancelled = await factories.pledge(event.number, project, 9_000)
    await cancel_pledge(cancelled, "donor withdrew", factories.TEST_ACTOR)
    elsewhere = await factories.pledge(other.number, await factories.project(other.id), 7_000)

    listed = await money.unpaid_pledges(Pledge.event == event.id)
    assert {p.id: p.outstanding_fen for p in listed} == {owed: 50_000, partly: 20_000}
    assert [p.id for p in listed] == [owed, partly]  # oldest first
    everywhere = {p.id for p in await money.unpaid_pledges()}
    assert everywhere == {owed, partly, elsewhere}

    auditors = await auditors_unpaid(event.id, today=dt.date(2026, 11, 15))
    assert [(r["id"], r["outstanding_fen"], r["overdue"]) for r in auditors] == [
        (owed, 50_000, True),
        (partly, 20_000, False),
    ]
    overdue = await overdue_pledges(event.id, today=dt.date(2026, 11, 15))
    assert [(r["id"], r["outstanding_fen"], r["days_overdue"]) for r in overdue] == [
        (owed, 50_000, 14)
    ]
    by_bank = {c.id: c.outstanding_fen for c in (await open_candidates()).by_code.values()}
    assert by_bank == {owed: 50_000, partly: 20_000, elsewhere: 7_000}
    found = await find_open_pledges(pledge_code(partly))
    assert [(r["id"], r["paid_fen"], r["outstanding_fen"]) for r in found] == [
        (partly, 10_000, 20_000)
    ]


async def test_bank_and_cash_settle_through_the_same_step(clean_db):
    event = await factories.event()
    project = await factories.project(event.id)
    pledge = await factories.pledge(event.number, project, 30_000)
    bank = await factories.bank_payment(pledge, 10_000)
    row = await Pledge.select(Pledge.status, Pledge.closed_at).where(Pledge.id == pledge).first()
    assert row == {"status": "partially_paid", "closed_at": None}
    cash = await record_offline_payment(
        OfflinePayment(pledge, Payment.Provider.cash, 20_000, "SLIP-1", dt.date(2026, 11, 2)),
        factories.TEST_ACTOR,
    )
    row = await Pledge.select(Pledge.status, Pledge.closed_at).where(Pledge.id == pledge).first()
    assert row["status"] == "paid" and row["closed_at"] is not None
    assert await money.paid_fen(pledge) == 30_000
    for payment_id in (bank, cash):
        topics = await OutboxMessage.select(OutboxMessage.topic).where(
            OutboxMessage.dedupe_key.like(f"%{payment_id}")
        )
        assert sorted(t["topic"] for t in topics) == ["live.payment", "payment.settled"]
        actions = await AuditLog.select(AuditLog.action).where(
            AuditLog.object_id == str(payment_id)
        )
        assert [a["action"] for a in actions] == ["payment.record"]
    providers = await Payment.select(Payment.provider).where(Payment.pledge == pledge)
    assert sorted(p["provider"] for p in providers) == ["bank", "cash"]
