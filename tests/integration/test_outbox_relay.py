"""The outbox relay: a failing (poison) row backs off without blocking the others, and
rows enqueued inside a transaction are kicked only after it commits."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
import uuid

import redis
from celery import Celery

from service.db import write_transaction
from service.outbox.services import backoff_s, enqueue
from service.outbox.tables import OutboxMessage
from service.settings import get_settings
from tasks import outbox


async def test_a_poison_row_backs_off_and_the_others_are_delivered(clean_db, monkeypatch):
    delivered: list[int] = []

    async def handler(payload: dict) -> None:
        if payload["n"] == 0:
            raise ValueError("cannot deliver this one")
        delivered.append(payload["n"])

    monkeypatch.setitem(outbox.HANDLERS, "test.topic", handler)
    for n in range(3):
        await enqueue("test.topic", {"n": n}, dedupe_key=f"poison-{n}")
    before = dt.datetime.now(dt.UTC)
    assert await outbox.relay_once() == 2
    after = dt.datetime.now(dt.UTC)
    assert sorted(delivered) == [1, 2]
    poison = await OutboxMessage.select().where(OutboxMessage.dedupe_key == "poison-0").first()
    assert poison["delivered_at"] is None and poison["attempts"] == 1
    assert "cannot deliver this one" in poison["last_error"]
    # OUTBOX_RETRY_BASE_S (10 s) after the failure, which happened between `before` and
    # `after` (the relay's first run imports every task module: seconds on a busy machine).
    retry = dt.timedelta(seconds=10)
    assert before + retry <= poison["available_at"] <= after + retry, (before, after, poison)
    assert await outbox.relay_once() == 0  # not due again yet
    assert [backoff_s(n, 10) for n in (1, 2, 3, 4, 20)] == [10, 20, 40, 80, 3600]


async def test_a_slow_batch_leaves_its_last_rows_before_their_lease_ends(clean_db, monkeypatch):
    """A row whose lease runs out while the relay is still busy with the rows before it
    could be taken and delivered by a second relay too: the relay stops starting rows of a
    batch once half the lease has passed and leaves the rest leased until it ends."""
    settings = dataclasses.replace(get_settings(), outbox_lease_s=2)
    monkeypatch.setattr(outbox, "get_settings", lambda: settings)
    delivered: list[int] = []

    async def slow_handler(payload: dict) -> None:
        await asyncio.sleep(1.05)  # longer than half the lease
        delivered.append(payload["n"])

    monkeypatch.setitem(outbox.HANDLERS, "test.topic", slow_handler)
    for n in range(3):
        await enqueue("test.topic", {"n": n}, dedupe_key=f"slow-{n}")
    before = dt.datetime.now(dt.UTC)
    assert await outbox.relay_once() == 1
    assert delivered == [0]
    left = await OutboxMessage.select().where(OutboxMessage.delivered_at.is_null())
    assert len(left) == 2
    assert all(row["attempts"] == 1 and row["available_at"] > before for row in left), left


async def test_the_kick_comes_after_commit_and_never_after_a_rollback(clean_db, monkeypatch):
    settings = dataclasses.replace(get_settings(), outbox_kick=True)
    monkeypatch.setattr(outbox, "get_settings", lambda: settings)
    seen: list[tuple[int, bool]] = []

    async def handler(payload: dict) -> None:
        seen.append((payload["n"], True))

    monkeypatch.setitem(outbox.HANDLERS, "test.topic", handler)
    async with write_transaction():
        await enqueue("test.topic", {"n": 1}, dedupe_key="kick-1")
        assert seen == []  # nothing is delivered before the commit
    assert seen == [(1, True)]

    try:
        async with write_transaction():
            await enqueue("test.topic", {"n": 2}, dedupe_key="kick-2")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert seen == [(1, True)]
    assert not await OutboxMessage.exists().where(OutboxMessage.dedupe_key == "kick-2")


async def test_without_redis_the_web_process_retries_pending_rows_itself(clean_db, monkeypatch):
    from service.outbox import relay_loop

    settings = dataclasses.replace(get_settings(), outbox_kick=True)
    monkeypatch.setattr(relay_loop, "get_settings", lambda: settings)
    monkeypatch.setattr(relay_loop, "RELAY_INTERVAL_S", 0.05)
    seen: list[int] = []

    async def handler(payload: dict) -> None:
        seen.append(payload["n"])

    monkeypatch.setitem(outbox.HANDLERS, "test.topic", handler)
    await enqueue("test.topic", {"n": 7}, dedupe_key="loop-7")  # e.g. left by a mail outage
    async with relay_loop.in_process_relay(None):
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.05)
    assert seen == [7]


async def test_kicks_within_a_window_leave_as_one_relay_task(clean_db, redis_url, monkeypatch):
    """Under load a web process sends one relay task per window, not one per commit; a
    commit after that task left gets a kick of its own."""
    queue = f"kick-test-{uuid.uuid4().hex[:8]}"
    broker = Celery(broker=redis_url)
    broker.conf.task_default_queue = queue
    queued = redis.Redis.from_url(redis_url)
    settings = dataclasses.replace(get_settings(), outbox_kick=True)
    monkeypatch.setattr(outbox, "get_settings", lambda: settings)
    monkeypatch.setattr(outbox, "app", broker)

    async def tasks_queued() -> int:
        # Every kick scheduled so far has left (a fixed wait raced a busy machine, where a
        # kick's window and its send to the broker can take longer than the wait).
        kicks = [
            task
            for task in asyncio.all_tasks()
            if getattr(task.get_coro(), "__name__", "") == "_kick_after_window"
        ]
        await asyncio.wait_for(asyncio.gather(*kicks, return_exceptions=True), 30)
        return queued.llen(queue)

    try:
        started = time.monotonic()
        for n in range(10):
            async with write_transaction():
                await enqueue("test.topic", {"n": n}, dedupe_key=f"burst-{n}")
        # At most one task per window the burst spanned (one, unless the machine is busy).
        windows = int((time.monotonic() - started) / outbox.KICK_WINDOW_S) + 1
        burst = await tasks_queued()
        assert 1 <= burst <= min(windows, 9), (burst, windows)

        async with write_transaction():
            await enqueue("test.topic", {"n": 10}, dedupe_key="burst-10")
        await outbox.flush_kick()  # what a task's event loop does before it closes
        assert queued.llen(queue) == burst + 1
        assert await tasks_queued() == burst + 1
    finally:
        queued.delete(queue)
