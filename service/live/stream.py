"""One SSE connection: the updates after the client's last one, then every new one.

Per connection the work is a queue read and a byte comparison: the bus message carries
`id prev` in a header line and the finished SSE frame, encoded once by the publisher.
The client's last id comes from `Last-Event-ID` (the browser sends it when it reconnects)
or `?after=` (the id the page was rendered at). What it missed is read from Redis' stream
history when that history reaches back far enough and joins up, else from the database.
A message whose `prev` is not the client's last id means one went missing on the way:
the gap is read from the database before it is sent. An idle connection gets a ping
every PING_S seconds and a database check, so an update lost by the bus shows anyway.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator

from litestar.channels import ChannelsPlugin

from service.live import services
from service.live.bus import BUS

PING_S = 10.0
LATEST_TTL_S = 5.0
RETRY = b"retry: 2000\n\n"
PING = b"event: ping\ndata: {}\n\n"
RESET = b"event: reset\ndata: {}\n\n"
BATCH = 200

_latest: dict[int, tuple[float, int]] = {}


async def cached_latest(event_id: int) -> int:
    """The edition's newest update id, read at most every LATEST_TTL_S per process."""
    now = time.monotonic()
    hit = _latest.get(event_id)
    if hit and now - hit[0] < LATEST_TTL_S:
        return hit[1]
    value = await services.latest_id(event_id)
    _latest[event_id] = (now, value)
    return value


async def missed(event_id: int, after: int) -> list[bytes] | None:
    """Bus messages after `after`, from Redis' history if it is complete, else from the
    database; None when the client is too far behind to replay (it reloads)."""
    newest = await services.latest_id(event_id)
    if newest <= after:
        return []
    history = sorted(
        (services.split(m)[0], services.split(m)[1], m)
        for m in await BUS.history(services.channel_for(event_id), newest - after)
    )
    chain, expected = [], after
    for message_id, prev, message in history:
        if message_id <= after:
            continue
        if prev != expected:
            chain = []
            break
        chain.append(message)
        expected = message_id
    if chain and expected >= newest:
        return chain
    rows = await services.events_after(event_id, after)
    if len(rows) >= services.CATCH_UP_LIMIT:
        return None
    return rows


async def sse_stream(
    channels: ChannelsPlugin, event_id: int, after: int | None
) -> AsyncGenerator[bytes, None]:
    channel = services.channel_for(event_id)
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    async with (
        channels.start_subscription(channel) as subscriber,
        subscriber.run_in_background(queue.put),
    ):
        yield RETRY
        last = await services.latest_id(event_id) if after is None else after
        pending = await missed(event_id, last) if after is not None else []
        while True:
            if pending is None:
                yield RESET
                return
            out: list[bytes] = []
            for message in pending:
                message_id, _, sse = services.split(message)
                if message_id > last:
                    out.append(sse)
                    last = message_id
            pending = []
            if out:
                yield b"".join(out)
                out = []
            try:
                first = await asyncio.wait_for(queue.get(), PING_S)
            except TimeoutError:
                yield PING
                if await cached_latest(event_id) > last:
                    pending = await missed(event_id, last)
                continue
            # Whatever queued up meanwhile goes out in one write (busy moments batch).
            batch = [first]
            while not queue.empty() and len(batch) < BATCH:
                batch.append(queue.get_nowait())
            for message in batch:
                message_id, prev, sse = services.split(message)
                if message_id <= last:
                    continue  # already sent (read back, or published twice)
                if prev != last:
                    pending = await missed(event_id, last)  # one went missing on the way
                    break
                out.append(sse)
                last = message_id
            if out:
                yield b"".join(out)
