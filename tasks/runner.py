"""Running the async services from a (synchronous) Celery task."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from service.db import close_pool, start_pool
from service.outbox import relay_hooks

T = TypeVar("T")


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    """Run one coroutine in a fresh event loop with its own database pool; every task
    runs through here, so a kick asked for by its last commit is sent before the loop
    ends (otherwise the rows wait for beat's relay)."""

    async def main() -> T:
        opened = await start_pool()
        try:
            return await make()
        finally:
            await relay_hooks.flush()  # a kick still in its window leaves before the loop ends
            if opened:
                await close_pool()

    return asyncio.run(main())
