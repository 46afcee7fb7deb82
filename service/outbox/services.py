"""Recording side effects in the money transaction (DESIGN §4.8).

`enqueue` only writes a row; the relay (tasks/outbox.py) delivers rows after commit, so a
broker or mail outage delays a side effect but never loses it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from service.outbox.tables import OutboxMessage


async def enqueue(
    topic: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
    available_at: dt.datetime | None = None,
) -> None:
    """Write a message; with a dedupe_key, writing the same message twice is a no-op."""
    query = OutboxMessage.insert(
        OutboxMessage(
            id=uuid.uuid4(),
            topic=topic,
            payload=payload,
            dedupe_key=dedupe_key,
            available_at=available_at or dt.datetime.now(dt.UTC),
        )
    )
    if dedupe_key is not None:
        query = query.on_conflict(target=OutboxMessage.dedupe_key, action="DO NOTHING")
    await query


async def pending(limit: int = 100) -> list[dict[str, Any]]:
    now = dt.datetime.now(dt.UTC)
    return (
        await OutboxMessage.select()
        .where(OutboxMessage.delivered_at.is_null() & (OutboxMessage.available_at <= now))
        .order_by(OutboxMessage.created_at)
        .limit(limit)
        .output(load_json=True)
    )
