"""Alerts reach people once per incident (ledger check through a real worker, stuck outbox
rows, reconciliation differences), show as a metric, and clear; delivered outbox rows are
pruned after the retention age while the ledger, audit log and receipts stay."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid

import pytest
from celery import Celery

from service import mail
from service.audit.tables import AuditLog
from service.ledger.tables import LedgerEntry, LedgerTransaction
from service.ops import services as ops
from service.ops.tables import Alert
from service.outbox.tables import OutboxMessage
from service.payments.tables import Payment
from service.receipts.tables import Receipt
from service.settings import get_settings
from tasks import outbox
from tests import factories, staff
from tests.mailsink import MailSink
from tests.workers import PrivateRedis, worker

NOW = dt.datetime.now(dt.UTC)


async def organizers() -> list[str]:
    addresses = ["li@wangjiang.example", "zhang@wangjiang.example"]  # sorted
    for n, address in enumerate(addresses):
        await staff.make("organizer", username=f"organizer{n}", email=address)
    await staff.make("auditor", email="audit@wangjiang.example")  # not an organizer: no mail
    return addresses


async def alert_mails() -> list[dict]:
    return (
        await OutboxMessage.select(OutboxMessage.payload, OutboxMessage.dedupe_key)
        .where((OutboxMessage.topic == "mail.send") & OutboxMessage.dedupe_key.like("alert:%"))
        .output(load_json=True)
    )


@pytest.fixture
def private_redis():
    server = PrivateRedis().start()
    yield server
    server.stop()


async def test_a_failing_ledger_check_mails_organizers_once_per_incident(
    clean_db, client, private_redis
):
    addresses = await organizers()
    event = await factories.event()
    project = await factories.project(event.id)
    payment = await factories.bank_payment(
        await factories.pledge(event.number, project, 10_000), 10_000
    )
    await Payment.update({Payment.amount_fen: 9_000}).where(Payment.id == payment)  # tampered
    proc = worker({"REDIS_URL": private_redis.url, "OUTBOX_KICK": "0"}, "--pool", "solo")
    celery = Celery(broker=private_redis.url, backend=private_redis.url)

    async def check() -> dict:
        result = celery.send_task("tasks.ledger.check")
        return await asyncio.to_thread(result.get, timeout=60)

    try:
        for _ in range(3):  # three failing runs: one incident
            assert (await check())["ok"] is False
        mails = await alert_mails()
        assert sorted(m["payload"]["to"] for m in mails) == addresses
        metrics = (await client.get("/metrics")).text
        assert 'minsheng_alerts_open{kind="ledger_check"} 1.0' in metrics
        assert "minsheng_ledger_check_ok 0.0" in metrics
        [alert] = await Alert.select().where(Alert.kind == "ledger_check")
        assert alert["occurrences"] == 3 and alert["resolved_at"] is None
        assert "9000" in alert["summary"]

        # Fixed: the next check resolves the incident; a new breach is a new incident.
        await Payment.update({Payment.amount_fen: 10_000}).where(Payment.id == payment)
        assert (await check())["ok"] is True
        assert (
            'minsheng_alerts_open{kind="ledger_check"} 0.0' in (await client.get("/metrics")).text
        )
        await Payment.update({Payment.amount_fen: 8_000}).where(Payment.id == payment)
        assert (await check())["ok"] is False
        assert len(await alert_mails()) == 4
    finally:
        proc.stop()
    # The relay sends them: each organizer has two mails, one per incident.
    sink = MailSink().start()
    try:
        settings = dataclasses.replace(get_settings(), smtp_url=sink.url)
        original = mail.get_settings
        mail.get_settings = lambda: settings
        try:
            await outbox.relay_once()
        finally:
            mail.get_settings = original
        received = sink.wait_for(4)
    finally:
        sink.stop()
    assert sorted(m["To"] for m in received) == sorted(addresses * 2)
    assert all(m["Subject"].startswith("【运行告警】账本核对失败") for m in received)
    assert "minsheng_alerts_open" in received[0].get_body(("plain",)).get_content()


async def stuck_row(topic: str, age: dt.timedelta, attempts: int = 3) -> uuid.UUID:
    row = OutboxMessage(
        topic=topic,
        payload={"to": "x@example.com"},
        available_at=NOW,
        attempts=attempts,
        last_error="SMTPServerDisconnected('Connection unexpectedly closed')",
    )
    await row.save()
    await OutboxMessage.update({OutboxMessage.created_at: NOW - age}).where(
        OutboxMessage.id == row.id
    )
    return row.id


async def test_outbox_rows_failing_for_an_hour_open_one_alert_per_topic(clean_db):
    addresses = await organizers()
    await stuck_row("receipt.mail", dt.timedelta(hours=2))
    await stuck_row("receipt.mail", dt.timedelta(hours=3))
    await stuck_row("receipt.mail", dt.timedelta(minutes=10))  # not yet an hour
    await stuck_row("payment.settled", dt.timedelta(hours=2), attempts=0)  # never tried
    assert await ops.watch_outbox() == ["receipt.mail"]
    assert await ops.watch_outbox() == []  # the next run sees it again: no new mail
    mails = await alert_mails()
    assert sorted(m["payload"]["to"] for m in mails) == addresses
    context = mails[0]["payload"]["context"]
    assert (
        "2 条 receipt.mail" in context["summary"] and "SMTPServerDisconnected" in context["summary"]
    )
    # Delivered at last: the incident clears.
    await OutboxMessage.update({OutboxMessage.delivered_at: NOW}).where(
        OutboxMessage.topic == "receipt.mail"
    )
    await ops.watch_outbox()
    [alert] = await Alert.select().where(Alert.kind == "outbox_stuck")
    assert alert["resolved_at"] is not None and alert["occurrences"] == 2


async def test_a_reconciliation_difference_is_one_incident_per_payment(clean_db):
    addresses = await organizers()
    difference = {
        "payment_id": "p-1",
        "intent_id": "pi_1",
        "field": "received_fen",
        "stripe": "10000",
        "ours": "0",
        "ledger": "0",
        "detail": "amount received differs",
    }
    assert await ops.reconciliation_checked([difference]) == ["p-1"]
    assert await ops.reconciliation_checked([difference]) == []
    assert len(await alert_mails()) == len(addresses)
    assert await ops.reconciliation_checked([]) == []
    [alert] = await Alert.select().where(Alert.kind == "reconciliation")
    assert alert["resolved_at"] is not None


async def test_two_checks_at_once_open_and_mail_an_incident_once(clean_db):
    addresses = await organizers()
    seen = [ops.Seen("ledger", "subject", "summary")]
    await asyncio.gather(*(ops.report(Alert.Kind.ledger_check, seen) for _ in range(4)))
    assert await Alert.count().where(Alert.resolved_at.is_null()) == 1
    assert len(await alert_mails()) == len(addresses)


async def test_delivered_outbox_rows_are_pruned_after_the_retention_age(clean_db):
    event = await factories.event()
    project = await factories.project(event.id)
    await factories.bank_payment(await factories.pledge(event.number, project, 5_000), 5_000)
    await outbox.relay_once()  # receipt issued, rows delivered
    ledger = (await LedgerTransaction.count(), await LedgerEntry.count())
    audit, receipts = await AuditLog.count(), await Receipt.count()
    assert receipts == 1
    delivered = await OutboxMessage.count().where(OutboxMessage.delivered_at.is_not_null())
    assert delivered >= 2
    # Age every delivered row past the retention (30 days); keep one recent and one pending.
    await OutboxMessage.update({OutboxMessage.delivered_at: NOW - dt.timedelta(days=31)}).where(
        OutboxMessage.delivered_at.is_not_null()
    )
    recent = OutboxMessage(topic="mail.send", payload={}, available_at=NOW, delivered_at=NOW)
    await recent.save()
    pending = await stuck_row("mail.send", dt.timedelta(days=90))
    assert await ops.prune_outbox() == delivered
    left = {row["id"] for row in await OutboxMessage.select(OutboxMessage.id)}
    assert recent.id in left and pending in left
    assert (await LedgerTransaction.count(), await LedgerEntry.count()) == ledger
    assert await AuditLog.count() == audit and await Receipt.count() == receipts
    assert await ops.prune_outbox() == 0
