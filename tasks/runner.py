"""Running the async services from a (synchronous) Celery task.

Inside a worker process every task runs on one event loop that lives as long as the
process, with one database pool (WORKER_DB_POOL_MAX connections) opened at the first task
and closed when the process ends — not a pool per task, which opened and closed
connections on every run. Elsewhere (eager tasks, the threads pool, scripts) each call
gets a fresh loop and a pool of its own, closed afterwards.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from celery.signals import (
    worker_init,
    worker_process_init,
    worker_process_shutdown,
    worker_shutdown,
)

from service.db import close_pool, start_pool
from service.outbox import relay_hooks
from service.settings import get_settings

T = TypeVar("T")

_worker_loop: asyncio.AbstractEventLoop | None = None
_worker_pid: int | None = None


def _in_worker_process() -> bool:
    return (
        _worker_loop is not None
        and _worker_pid == os.getpid()
        and threading.current_thread() is threading.main_thread()
    )


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    """Run one coroutine: on the worker process's loop and pool, or in a fresh loop."""
    if _in_worker_process():
        assert _worker_loop is not None

        async def in_worker() -> T:
            await start_pool(
                min_size=1, max_size=get_settings().ops.worker_db_pool_max, role="worker"
            )
            try:
                return await make()
            finally:
                await relay_hooks.flush()  # a kick still in its window leaves with the task

        return _worker_loop.run_until_complete(in_worker())

    async def main() -> T:
        opened = await start_pool(min_size=1, role="task")
        try:
            return await make()
        finally:
            await relay_hooks.flush()  # a kick still in its window leaves before the loop ends
            if opened:
                await close_pool()

    return asyncio.run(main())


@worker_process_init.connect
@worker_init.connect
def _open_worker_loop(**_kwargs: Any) -> None:
    """A prefork child (worker_process_init) or a solo worker (worker_init) gets its
    loop; the pool opens lazily with the first task (after the fork)."""
    global _worker_loop, _worker_pid
    _worker_loop = asyncio.new_event_loop()
    _worker_pid = os.getpid()


@worker_process_shutdown.connect
@worker_shutdown.connect
def _close_worker_loop(**_kwargs: Any) -> None:
    global _worker_loop
    if _worker_loop is None or _worker_pid != os.getpid() or _worker_loop.is_closed():
        return
    _worker_loop.run_until_complete(close_pool())
    _worker_loop.close()
    _worker_loop = None
