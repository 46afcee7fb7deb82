"""SSE connections: the updates after the client's last one, then every new one.

Fan-out per process goes through one `Hub` per edition: a single subscriber of the
ChannelsPlugin appends each bus message (`id prev` header line + the finished SSE frame,
encoded once by the publisher) to a buffer and wakes the connections at most every
FLUSH_S, so a connection costs one wake-up and one write per flush however fast pledges
arrive, instead of a queue hop per message.

A connection's last id comes from `Last-Event-ID` (the browser sends it when it
reconnects) or `?after=` (the id its page was rendered at). What it missed is read from
Redis' stream history when that history reaches back far enough and joins up, else from
the database (the durable record). A message whose `prev` is not the connection's last id
means one went missing on the way: the gap is read from the database before it is sent.
An idle connection gets a ping every PING_S seconds and a database check, so an update
lost by the bus shows anyway.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator

from litestar.channels import ChannelsPlugin

from service.live import services
from service.live.bus import BUS

log = logging.getLogger("minsheng.live")
PING_S = 10.0
GAP_WAIT_S = 0.2
"""How long an update that arrived before its predecessor waits for it on the bus."""
FLUSH_S = 0.05
"""Connections are woken at most this often (20 writes a second at most per client)."""
LATEST_TTL_S = 5.0
HUB_BUFFER = 5000
"""Messages a hub keeps for connections that are behind; further behind reads the database."""
RETRY = b"retry: 2000\n\n"
PING = b"event: ping\ndata: {}\n\n"
RESET = b"event: reset\ndata: {}\n\n"

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
        (*services.split(m)[:2], m)
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


class Hub:
    """One edition's fan-out in this process: one ChannelsPlugin subscriber, many
    connections reading a shared buffer by position.

    Updates are numbered in the database but published by whichever process recorded
    them, so the bus may deliver 11 before 10. The hub puts them back in chain order
    (`prev` of each is the id before it) for all its connections at once: a message that
    arrives early waits up to GAP_WAIT_S for the one before it, then the hub reads the gap
    from the database once, instead of every connection reading it for itself."""

    def __init__(self, event_id: int = 0) -> None:
        self.event_id = event_id
        self.buffer: collections.deque[bytes] = collections.deque(maxlen=HUB_BUFFER)
        self.end = 0  # position after the newest message
        self.wake = asyncio.Event()
        self.flush_scheduled = False
        self.users = 0
        self.last_id: int | None = None  # the newest id in the buffer (None: none yet)
        self.early: dict[int, bytes] = {}  # by `prev`: messages waiting for their predecessor
        self.repair: asyncio.Task | None = None

    def add(self, message: bytes) -> None:
        message_id, prev, _sse = services.split(message)
        if self.last_id is not None and message_id <= self.last_id:
            return  # published twice, or read back by a repair already
        if self.last_id is not None and prev != self.last_id:
            self.early[prev] = message
            if self.repair is None or self.repair.done():
                self.repair = asyncio.get_running_loop().create_task(self._repair_gap())
            return
        self._append(message_id, message)
        while self.last_id in self.early:
            held = self.early.pop(self.last_id)
            self._append(services.split(held)[0], held)

    def _append(self, message_id: int, message: bytes) -> None:
        self.last_id = message_id
        self.buffer.append(message)
        self.end += 1
        if not self.flush_scheduled:
            self.flush_scheduled = True
            asyncio.get_running_loop().call_later(FLUSH_S, self._flush)

    async def _repair_gap(self) -> None:
        await asyncio.sleep(GAP_WAIT_S)
        while self.early and self.last_id is not None:
            if self.last_id in self.early:  # the missing one arrived meanwhile
                self.add(self.early.pop(self.last_id))
                continue
            before = self.last_id
            try:
                for row in await services.events_after(self.event_id, before):
                    self.add(row)
            except Exception:  # the database is the fallback; without it, send what came
                log.warning("live hub could not read a gap back", exc_info=True)
            if self.last_id == before:
                # Nothing joined up: deliver the early ones as they are; each connection
                # reads whatever it still misses (sse_stream).
                for prev in sorted(self.early):
                    self._append(services.split(self.early[prev])[0], self.early.pop(prev))
                return

    def _flush(self) -> None:
        self.flush_scheduled = False
        wake, self.wake = self.wake, asyncio.Event()
        wake.set()

    def since(self, position: int) -> list[bytes] | None:
        """Messages from `position` on; None when they have left the buffer."""
        first = self.end - len(self.buffer)
        if position < first:
            return None
        return list(self.buffer)[position - first :] if position < self.end else []


_hubs: dict[int, tuple[Hub, asyncio.Task]] = {}


@contextlib.asynccontextmanager
async def _hub(channels: ChannelsPlugin, event_id: int) -> AsyncIterator[Hub]:
    if event_id not in _hubs:
        hub = Hub(event_id)
        subscriber = await channels.subscribe(services.channel_for(event_id))

        async def pump() -> None:
            try:
                async for message in subscriber.iter_events():
                    hub.add(message)
            finally:
                await channels.unsubscribe(subscriber)

        _hubs[event_id] = (hub, asyncio.get_running_loop().create_task(pump()))
    hub, pump_task = _hubs[event_id]
    hub.users += 1
    try:
        yield hub
    finally:
        hub.users -= 1
        if hub.users == 0 and _hubs.get(event_id, (None,))[0] is hub:
            del _hubs[event_id]
            pump_task.cancel()


def _frames(messages: list[bytes], last: int) -> tuple[list[bytes], int, bool]:
    """The frames to send after `last`, the new last id, and whether a gap was found."""
    out = []
    for message in messages:
        message_id, prev, sse = services.split(message)
        if message_id <= last:
            continue  # already sent (read back, or published twice)
        if prev != last:
            return out, last, True  # one went missing on the way
        out.append(sse)
        last = message_id
    return out, last, False


async def sse_stream(
    channels: ChannelsPlugin, event_id: int, after: int | None
) -> AsyncGenerator[bytes, None]:
    async with _hub(channels, event_id) as hub:
        position = hub.end
        yield RETRY
        last = await services.latest_id(event_id) if after is None else after
        pending = await missed(event_id, last) if after is not None else []
        while True:
            if pending is None:
                yield RESET
                return
            out, last, _gap = _frames(pending, last)
            if out:
                yield b"".join(out)
            wake = hub.wake
            if position == hub.end:
                try:
                    await asyncio.wait_for(wake.wait(), PING_S)
                except TimeoutError:
                    yield PING
                    pending = (
                        await missed(event_id, last) if await cached_latest(event_id) > last else []
                    )
                    continue
            news = hub.since(position)
            position = hub.end
            if news is None:  # this connection fell behind the buffer
                pending = await missed(event_id, last)
                continue
            out, last, gap = _frames(news, last)
            if out:
                yield b"".join(out)
            pending = await missed(event_id, last) if gap else []
