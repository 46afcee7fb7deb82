"""The per-process fan-out hub puts updates published out of order back in chain order,
once for all its connections: an update that arrives before its predecessor waits for it
on the bus, and one that never comes is read back from the database."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from service.events.tables import Event
from service.live import services, stream
from service.live.tables import LiveEvent
from tests import factories


async def chain(event_id: int, count: int) -> list[bytes]:
    """`count` stored updates of the edition, as the bus would carry them."""
    messages, prev = [], 0
    for n in range(count):
        data = {"kind": "pledge", "item": {"amount_fen": 100 + n}}
        row = LiveEvent(
            event=event_id,
            prev=prev,
            source=uuid.uuid4(),
            kind="pledge",
            payload=data,
            created_at=dt.datetime.now(dt.UTC),
        )
        await row.save()
        messages.append(services.frame(row.id, prev, data))
        prev = row.id
    return messages


def ids(hub: stream.Hub) -> list[int]:
    return [services.split(message)[0] for message in hub.buffer]


async def test_an_early_update_waits_for_the_one_before_it(clean_db):
    event = await factories.event(status=Event.Status.live)
    first, second, third = await chain(event.id, 3)
    hub = stream.Hub(event.id)
    hub.add(first)
    hub.add(third)  # published by the other process before `second`
    assert ids(hub) == [services.split(first)[0]]
    hub.add(second)
    assert ids(hub) == [services.split(m)[0] for m in (first, second, third)]
    hub.add(second)  # published twice: sent once
    assert hub.end == 3


async def test_a_missing_update_is_read_back_once_for_every_connection(clean_db):
    event = await factories.event(status=Event.Status.live)
    messages = await chain(event.id, 4)
    hub = stream.Hub(event.id)
    hub.add(messages[0])
    hub.add(messages[3])  # 1 and 2 were lost on the bus
    # The repair waits GAP_WAIT_S, then reads the gap back: wait for it to finish rather
    # than for a fixed time (its database read can be slow on a busy machine).
    assert hub.repair is not None
    await asyncio.wait_for(asyncio.shield(hub.repair), 30)
    assert ids(hub) == [services.split(m)[0] for m in messages]
    hub.add(messages[1])  # arriving late after all: already sent
    assert hub.end == 4
