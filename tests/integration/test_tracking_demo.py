"""The 5th edition's 23 projects (demo data) tracked, alerted on and receipted."""

from __future__ import annotations

import datetime as dt

from service.auth.services import UserDraft, create_user, issue_token
from service.auth.tables import StaffUser
from service.demo.loader import load_demo
from service.events.tables import Event
from service.payments.tables import Payment
from service.receipts.tables import Receipt
from service.tracking.services import Thresholds, find_alerts, take_snapshots
from service.tracking.tables import ProjectSnapshot
from tasks import outbox


async def test_the_fifth_event_is_tracked_and_every_payment_receipted(client):
    await load_demo()
    fifth = (await Event.select(Event.id).where(Event.number == 5).first())["id"]
    taken_at = dt.datetime.now(dt.UTC)
    await take_snapshots(taken_at)
    latest = (ProjectSnapshot.project.event == fifth) & (ProjectSnapshot.taken_at == taken_at)
    assert await ProjectSnapshot.count().where(latest) == 23
    snapshots = await ProjectSnapshot.select().where(latest)
    assert all(s["received_fen"] == s["target_fen"] > 0 for s in snapshots)

    now = dt.datetime.now(dt.UTC)
    alerts = await find_alerts(5, now, Thresholds(unpaid_days=30, minimum_days=3))
    assert [a for a in alerts if a.kind == "ledger"] == []

    auditor = await create_user(UserDraft("audi", "a long password 2", StaffUser.Role.auditor))
    headers = {"authorization": f"Bearer {await issue_token(auditor, 't')}"}
    page = await client.get("/console/dashboard?event=5", headers=headers)
    assert page.status_code == 200
    assert page.text.count("<polyline") == 23 * 2  # the chart's lines and the sparklines

    await outbox.relay_once()
    settled = await Payment.count().where(Payment.status == "succeeded")
    receipts = await Receipt.select(Receipt.number, Receipt.event, Receipt.status)
    assert len(receipts) == settled > 0
    for event_id in {r["event"] for r in receipts}:
        numbers = sorted(
            r["number"] for r in receipts if r["event"] == event_id and r["number"] > 0
        )
        assert numbers == list(range(1, len(numbers) + 1))
