"""Recording side effects in the money transaction, and claiming them
(docs/architecture.md, "The outbox").

`enqueue` only writes a row (and asks for a kick after commit, through the hooks the
process registered in `relay_hooks`); the relay (tasks/outbox.py) claims due rows,
hands them to their handlers and marks them delivered. Delivery is at least once: a
relay that dies mid-delivery leaves its claim to expire, so handlers must be
idempotent. Failures back off exponentially, so a poison row never blocks the others.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.utils.encoding import dump_json

from service.db import is_sqlite, on_commit, write_transaction
from service.outbox import relay_hooks
from service.outbox.records import OutboxRow
from service.outbox.tables import OutboxMessage

MAX_BACKOFF_S = 3600


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Message:
    topic: str
    payload: dict[str, Any]
    dedupe_key: str | None = None
    """Writing a message whose key was written before is a no-op."""
    available_at: dt.datetime | None = None


_ROW = "({}, {}, {}, {}, {}, {}, NULL, 0, '')"


async def enqueue_many(messages: Sequence[Message]) -> None:
    """Write the messages in one statement; inside write_transaction the relay is kicked
    once the transaction commits. Plain SQL: every money transaction writes here, and
    Piccolo's row-by-row insert building cost more than the insert itself."""
    if not messages:
        return
    now = utcnow()
    args: list[Any] = []
    for message in messages:
        args += [
            uuid.uuid4(),
            message.topic,
            dump_json(message.payload),
            message.dedupe_key,
            now,
            message.available_at or now,
        ]
    rows = ", ".join(_ROW for _ in messages)  # placeholders only: nothing from input
    sql = (
        "INSERT INTO outbox_message (id, topic, payload, dedupe_key, created_at, available_at,"  # noqa: S608
        f" delivered_at, attempts, last_error) VALUES {rows} ON CONFLICT (dedupe_key) DO NOTHING"
    )
    await OutboxMessage.raw(sql, *args)
    on_commit(relay_hooks.kick)
    if relay_hooks.LOCAL_TOPICS and any(m.topic in relay_hooks.LOCAL_TOPICS for m in messages):
        on_commit(relay_hooks.kick_local)


async def enqueue(
    topic: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
    available_at: dt.datetime | None = None,
) -> None:
    """Write one message (see `enqueue_many`)."""
    await enqueue_many([Message(topic, payload, dedupe_key, available_at)])


async def pending(limit: int = 100) -> list[OutboxRow]:
    """Undelivered rows that are due (claimed rows are not due until their lease ends)."""
    return (
        await OutboxMessage.select()
        .where(OutboxMessage.delivered_at.is_null() & (OutboxMessage.available_at <= utcnow()))
        .order_by(OutboxMessage.created_at)
        .limit(limit)
        .output(load_json=True)
    )


async def claim(topics: Iterable[str], limit: int, lease_s: int) -> list[OutboxRow]:
    """Take up to `limit` due rows of the given topics for `lease_s` seconds.

    On PostgreSQL `FOR UPDATE SKIP LOCKED` lets relays claim side by side without waiting
    on or taking each other's rows; SQLite's BEGIN IMMEDIATE serializes them instead.
    """
    topics = list(topics)
    if not topics:
        return []
    now = utcnow()
    async with write_transaction(public=False):
        query = (
            OutboxMessage.select()
            .where(
                OutboxMessage.delivered_at.is_null()
                & (OutboxMessage.available_at <= now)
                & OutboxMessage.topic.is_in(topics)
            )
            .order_by(OutboxMessage.available_at)
            .limit(limit)
        )
        if not is_sqlite():
            query = query.lock_rows("UPDATE", skip_locked=True)
        rows = await query.output(load_json=True)
        if rows:
            await OutboxMessage.update(
                {
                    OutboxMessage.available_at: now + dt.timedelta(seconds=lease_s),
                    OutboxMessage.attempts: OutboxMessage.attempts + 1,
                }
            ).where(OutboxMessage.id.is_in([row["id"] for row in rows]))
    return rows


async def mark_delivered(message_id: uuid.UUID) -> None:
    await OutboxMessage.update(
        {OutboxMessage.delivered_at: utcnow(), OutboxMessage.last_error: ""}
    ).where(OutboxMessage.id == message_id)


async def mark_delivered_many(message_ids: list[uuid.UUID]) -> None:
    if message_ids:
        await OutboxMessage.update(
            {OutboxMessage.delivered_at: utcnow(), OutboxMessage.last_error: ""}
        ).where(OutboxMessage.id.is_in(message_ids))


def backoff_s(attempts: int, base_s: int) -> int:
    """Seconds to wait after the given number of failed attempts (1, 2, …)."""
    return min(MAX_BACKOFF_S, base_s * 2 ** max(0, min(attempts - 1, 20)))


async def mark_failed(message_id: uuid.UUID, attempts: int, error: str, base_s: int) -> None:
    await OutboxMessage.update(
        {
            OutboxMessage.available_at: utcnow()
            + dt.timedelta(seconds=backoff_s(attempts, base_s)),
            OutboxMessage.last_error: error[:2000],
        }
    ).where(OutboxMessage.id == message_id)
