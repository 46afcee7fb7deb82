"""Running the async services from a (synchronous) Celery task."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from service.db import close_pool, start_pool

T = TypeVar("T")


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    """Run one coroutine in a fresh event loop with its own database pool."""

    async def main() -> T:
        opened = await start_pool()
        try:
            return await make()
        finally:
            from tasks.outbox import flush_kick  # tasks.outbox runs its relay through here

            await flush_kick()
            if opened:
                await close_pool()

    return asyncio.run(main())
