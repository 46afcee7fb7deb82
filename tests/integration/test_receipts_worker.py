"""Receipts through a real Celery worker on Redis, mailed to an aiosmtpd sink: one mail
per payment whatever is delivered twice, killed, or down at the time."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis
from celery import Celery

from service.outbox.tables import OutboxMessage
from service.receipts.tables import Receipt
from tasks import outbox
from tests import factories
from tests.mailsink import MailSink
from tests.workers import PrivateRedis, worker


@pytest.fixture
def broker(redis_url):
    url = redis_url.rsplit("/", 1)[0] + "/7"
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def sink():
    mail_sink = MailSink().start()
    yield mail_sink
    mail_sink.stop()


def worker_env(broker_url: str, sink: MailSink, lease_s: int = 3) -> dict[str, str]:
    """A short lease by default: a row claimed by a killed worker is taken over quickly."""
    return {
        "REDIS_URL": broker_url,
        "SMTP_URL": sink.url,
        "OUTBOX_KICK": "1",
        "OUTBOX_LEASE_S": str(lease_s),
        "OUTBOX_RETRY_BASE_S": "1",
    }


async def payments(count: int, amount_fen: int = 10_000) -> list:
    event = await factories.event(number=5)
    project = await factories.project(event.id, budget_fen=(50_000_000,))
    return [
        await factories.bank_payment(await factories.pledge(5, project, amount_fen), amount_fen)
        for _ in range(count)
    ]


async def wait_for_mails(sink: MailSink, count: int) -> int:
    await asyncio.to_thread(sink.wait_for, count, 60)
    return len(sink.messages)


async def test_a_settled_payment_is_mailed_once_by_the_worker(clean_db, broker, sink):
    (payment_id,) = await payments(1, 1_234_550)
    proc = worker(worker_env(broker, sink), "--pool", "solo")
    try:
        assert outbox.send_kick(Celery(broker=broker))  # what the web process does on commit
        assert await wait_for_mails(sink, 1) == 1
        # The same task delivered twice more: still one receipt, one mail.
        client = Celery(broker=broker, backend=broker)
        results = [client.send_task("tasks.receipts.issue", [str(payment_id)]) for _ in range(2)]
        for result in results:
            assert await asyncio.to_thread(result.get, timeout=60) == 0
    finally:
        output = proc.stop()
    assert len(sink.messages) == 1, output
    assert "5-000001" in sink.messages[0]["Subject"]
    assert await Receipt.count().where(Receipt.payment == payment_id) == 1
    pending = await OutboxMessage.select().where(
        OutboxMessage.delivered_at.is_null()
        & OutboxMessage.topic.is_in(["payment.settled", "receipt.mail"])
    )
    assert pending == [], pending


async def test_parallel_workers_number_and_mail_each_payment_once(clean_db, broker, sink):
    ids = await payments(12)
    # No worker dies here: a lease as long as production's order of magnitude, so that a
    # busy machine's slow batch does not leave rows to a relay that never comes (no beat
    # runs in this test; a relay starts no row once half its lease has passed).
    proc = worker(worker_env(broker, sink, lease_s=60), "--concurrency", "3")
    try:
        client = Celery(broker=broker, backend=broker)
        results = [client.send_task("tasks.receipts.issue", [str(p)]) for p in ids + ids]
        results += [client.send_task(outbox.RELAY_TASK) for _ in range(3)]
        for result in results:
            await asyncio.to_thread(result.get, timeout=60)
        assert await wait_for_mails(sink, 12) == 12
    finally:
        output = proc.stop()
    mails = await OutboxMessage.select(
        OutboxMessage.topic, OutboxMessage.attempts, OutboxMessage.delivered_at
    ).where(OutboxMessage.topic == "receipt.mail")
    assert len(sink.messages) == 12, (mails, output)
    assert len({m["Message-ID"] for m in sink.messages}) == 12
    numbers = sorted(r["number"] for r in await Receipt.select(Receipt.number))
    assert numbers == list(range(1, 13))


async def test_a_worker_killed_mid_send_still_yields_exactly_one_receipt(clean_db, broker, sink):
    sink.handler.hold_first = True  # the first SMTP DATA hangs: the worker is mid-task
    (payment_id,) = await payments(1)
    env = worker_env(broker, sink)
    first = worker(env, "--pool", "solo")
    try:
        assert outbox.send_kick(Celery(broker=broker))
        assert await asyncio.to_thread(sink.handler.holding.wait, 60)
        first.kill()
    finally:
        first.stop()
    sink.handler.release.set()  # the held message is dropped: it was never acknowledged
    assert await Receipt.count().where(Receipt.payment == payment_id) == 1
    assert sink.messages == []

    second = worker(env, "--pool", "solo")
    try:
        client = Celery(broker=broker)
        deadline = time.monotonic() + 60
        while not sink.messages and time.monotonic() < deadline:  # as beat would, every 1 s
            outbox.send_kick(client)
            await asyncio.sleep(1)
        await asyncio.sleep(2)  # room for a duplicate to show up, if there were one
    finally:
        output = second.stop()
    assert len(sink.messages) == 1, output
    assert await Receipt.count().where(Receipt.payment == payment_id) == 1
    row = await OutboxMessage.select().where(OutboxMessage.topic == "receipt.mail").first()
    assert row["delivered_at"] is not None and row["attempts"] == 2


async def test_with_the_broker_down_at_settlement_the_receipt_arrives_once_it_is_back(
    clean_db, sink
):
    private = PrivateRedis()  # not running: the broker is down
    (payment_id,) = await payments(1)  # settlement commits all the same
    assert outbox.send_kick(Celery(broker=private.url)) is False  # logged, nothing lost
    row = await OutboxMessage.select().where(OutboxMessage.topic == "payment.settled").first()
    assert row["delivered_at"] is None

    private.start()
    try:
        proc = worker(worker_env(private.url, sink), "--pool", "solo")
        try:
            assert await wait_for_mails(sink, 1) == 1  # the worker relays what waited
            await asyncio.sleep(1)
        finally:
            output = proc.stop()
    finally:
        private.stop()
    assert len(sink.messages) == 1, output
    assert await Receipt.count().where(Receipt.payment == payment_id) == 1
