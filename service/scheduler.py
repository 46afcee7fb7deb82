"""The web process's background work when there is no Redis (embedded mode): beat's whole
schedule runs in process (tasks/embedded.py), or, with EMBEDDED_BEAT=0, only the outbox
relay (service/outbox/relay_loop.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from service.outbox.relay_loop import in_process_relay
from service.settings import get_settings


@contextlib.asynccontextmanager
async def embedded_beat(app: object) -> AsyncIterator[None]:
    """App lifespan: beat's schedule on this process's event loop while it serves."""
    settings = get_settings()
    if not (settings.tasks_in_process and settings.embedded_beat):
        async with in_process_relay(app):
            yield
        return
    from tasks.embedded import run_schedule  # tasks depend on services, not the other way
    from tasks.outbox import flush_kick

    task = asyncio.create_task(run_schedule())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await flush_kick()
