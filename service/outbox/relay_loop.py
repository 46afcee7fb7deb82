"""Without REDIS_URL there is no beat: the web process relays the outbox itself, every
RELAY_INTERVAL_S, so rows whose delivery failed (mail server down) are retried."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from service.outbox import relay_hooks
from service.settings import get_settings

RELAY_INTERVAL_S = 10.0
log = logging.getLogger("minsheng.outbox")


async def _relay_forever(interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        hooks = relay_hooks.registered()
        if hooks is None:
            continue
        try:
            await hooks.relay_once()
        except Exception:  # logged; the rows stay pending for the next round
            log.exception("in-process outbox relay failed")


@contextlib.asynccontextmanager
async def in_process_relay(_app: object) -> AsyncIterator[None]:
    """App lifespan: runs the periodic relay when tasks run in process (and OUTBOX_KICK)."""
    settings = get_settings()
    if settings.outbox_kick:
        # imported now, not on the first commit (the live screen waits on it)
        relay_hooks.load_handlers()
    if not (settings.tasks_in_process and settings.outbox_kick):
        try:
            yield
        finally:
            await relay_hooks.flush()
        return
    task = asyncio.create_task(_relay_forever(RELAY_INTERVAL_S))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
