"""The live bus: Litestar's ChannelsPlugin on Redis streams (history for Last-Event-ID),
or in memory without REDIS_URL. Every web process reads the streams once and fans each
message out to its own SSE clients; the outbox relay (a Celery worker, or the web process
itself without Redis) publishes.

Redis is a fast copy, not the record: `service.live.services` keeps every update in the
database, so a restarted Redis (which keeps nothing on disk here) or a dropped connection
only costs a read-back. The stream reader below survives both — Litestar's own reader task
ends at the first connection error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import AsyncGenerator
from typing import Any

import redis.asyncio as aioredis
import redis.exceptions
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsStreamBackend

from service.settings import Settings, get_settings

log = logging.getLogger("minsheng.live")
STREAM_BLOCK_MS = 250
"""How long one XREAD waits for news; a new edition's channel is picked up after at most this."""
STREAM_TTL = dt.timedelta(days=3)
RETRY_S = 0.5


def key_prefix(settings: Settings) -> str:
    """Streams are named per database, so two installations (or a test run and a
    benchmark) sharing one Redis never read each other's updates."""
    return "MINSHENG_LIVE_" + hashlib.sha256(settings.database_url.encode()).hexdigest()[:10]


class ResilientStreamBackend(RedisChannelsStreamBackend):
    """Litestar's Redis stream backend whose reader reconnects instead of dying."""

    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        while True:
            try:
                async for item in super().stream_events():
                    yield item
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
                log.warning("live bus: Redis unreachable, retrying in %s s", RETRY_S)
                await asyncio.sleep(RETRY_S)

    async def get_history(self, channel: str, limit: int | None = None) -> list[bytes]:
        try:
            return await super().get_history(channel, limit)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
            return []


def build_backend(settings: Settings) -> ChannelsBackend:
    if settings.redis_url:
        return ResilientStreamBackend(
            history=settings.live_history,
            redis=aioredis.Redis.from_url(settings.redis_url, socket_keepalive=True),
            stream_sleep_no_subscriptions=STREAM_BLOCK_MS,
            stream_ttl=STREAM_TTL,
            key_prefix=key_prefix(settings),
        )
    return MemoryChannelsBackend(history=settings.live_history)


class LiveBus:
    """The process's plugin and backend (one per app), and a publisher for processes
    without one (Celery workers)."""

    def __init__(self) -> None:
        self.plugin: ChannelsPlugin | None = None
        self.backend: ChannelsBackend | None = None
        self.running = False
        self._publishers: dict[int, RedisChannelsStreamBackend] = {}

    def plugin_for(self, settings: Settings) -> ChannelsPlugin:
        self.backend = build_backend(settings)
        self.plugin = _LivePlugin(
            backend=self.backend,
            arbitrary_channels_allowed=True,
            subscriber_max_backlog=2000,
            subscriber_backlog_strategy="dropleft",  # a stuck client loses old news, not new
        )
        return self.plugin

    async def publish(self, channel: str, message: bytes) -> None:
        """Publish one bus message; raises when Redis is unreachable (the relay retries)."""
        if self.plugin is not None and self.running:
            await self.plugin.wait_published(message, channel)
            return
        settings = get_settings()
        if not settings.redis_url:
            return  # no bus in this process: clients read the update back from the database
        loop_key = id(asyncio.get_running_loop())
        backend = self._publishers.get(loop_key)
        if backend is None:
            self._publishers.clear()  # Celery tasks run each in a fresh loop
            backend = RedisChannelsStreamBackend(
                history=settings.live_history,
                redis=aioredis.Redis.from_url(settings.redis_url),
                stream_ttl=STREAM_TTL,
                key_prefix=key_prefix(settings),
            )
            self._publishers[loop_key] = backend
        await backend.publish(message, [channel])

    async def history(self, channel: str, limit: int) -> list[bytes]:
        """At most the newest `limit` messages of the channel that the bus still has."""
        if self.backend is None or not self.running or limit <= 0:
            return []
        try:
            return await self.backend.get_history(channel, min(limit, get_settings().live_history))
        except NotImplementedError:
            return []


class _LivePlugin(ChannelsPlugin):
    """Marks the bus usable for in-process publishing while the app runs."""

    async def __aenter__(self) -> ChannelsPlugin:
        plugin = await super().__aenter__()
        BUS.running = True
        return plugin

    async def __aexit__(self, *exc_info: Any) -> None:
        BUS.running = False
        await super().__aexit__(*exc_info)


BUS = LiveBus()


def channels_plugin(settings: Settings) -> ChannelsPlugin:
    """The app's ChannelsPlugin (service/app.py)."""
    return BUS.plugin_for(settings)
