"""The database engine from DATABASE_URL, the write-transaction helper and error mapping."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from service.settings import Settings, get_settings

SQLITE_BUSY_TIMEOUT_S = 30


def build_engine(settings: Settings) -> Engine:
    """PostgreSQL (asyncpg pool) or a SQLite file, from the settings."""
    if settings.is_sqlite:
        path = Path(settings.sqlite_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S)
    return PostgresEngine(config={"dsn": settings.database_url})


def get_engine() -> Engine:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no Piccolo engine configured (PICCOLO_CONF)")
    return engine


def is_sqlite(engine: Engine | None = None) -> bool:
    return isinstance(engine or get_engine(), SQLiteEngine)


AfterCommit = Callable[[], Awaitable[None]]
_after_commit: ContextVar[list[AfterCommit] | None] = ContextVar("after_commit", default=None)
_commit_listeners: list[AfterCommit] = []
"""Run after every outermost write transaction that may change what the public sees
(service/web/public_cache.py moves the public content version this way)."""


def on_every_commit(callback: AfterCommit) -> None:
    """Register `callback` to run after each committed write transaction (once)."""
    if callback not in _commit_listeners:
        _commit_listeners.append(callback)


def _engine_transaction() -> Any:
    engine = get_engine()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


@asynccontextmanager
async def write_transaction(*, public: bool = True) -> AsyncIterator[Any]:
    """A transaction for writes: BEGIN IMMEDIATE on SQLite so concurrent writers queue
    on the busy timeout instead of failing with "database is locked" mid-transaction.

    Callbacks registered with `on_commit` inside it run after the outermost one commits
    (never after a rollback), then the `on_every_commit` listeners unless `public` is
    False (bookkeeping no public page shows, e.g. the outbox relay's claims)."""
    if _after_commit.get() is not None:  # nested: the outermost transaction owns the hooks
        async with _engine_transaction() as transaction:
            yield transaction
        return
    callbacks: list[AfterCommit] = []
    token = _after_commit.set(callbacks)
    try:
        async with _write_slot(), _engine_transaction() as transaction:
            yield transaction
    finally:
        _after_commit.reset(token)
    for callback in callbacks:
        await callback()
    if public:
        for listener in _commit_listeners:
            await listener()


WRITE_SHARE = 0.7
"""At most this share of a process's pool (DB_POOL_MAX) is held by write transactions at
once, so reads always find a connection: writes queue on the ledger's chain lock under
load, and without a limit they took every connection and public pages waited behind them."""
_pool_max = 20
_write_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _write_slot() -> Any:
    if is_sqlite():  # BEGIN IMMEDIATE already lets one writer in at a time
        return contextlib.nullcontext()
    loop = asyncio.get_running_loop()  # one per loop: Celery tasks each run their own
    slots = _write_slots.get(loop)
    if slots is None:
        slots = _write_slots[loop] = asyncio.Semaphore(max(1, int(_pool_max * WRITE_SHARE)))
    return slots


def on_commit(callback: AfterCommit) -> bool:
    """Run `callback` after the current write_transaction commits; False (and nothing
    registered) outside one. The same callback is registered once per transaction."""
    callbacks = _after_commit.get()
    if callbacks is None:
        return False
    if callback not in callbacks:
        callbacks.append(callback)
    return True


def is_unique_violation(exc: BaseException) -> bool:
    """True for a unique-constraint violation on either engine."""
    if isinstance(exc, asyncpg.exceptions.UniqueViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """The pool's reset on release. asyncpg always rolls back a transaction left open; its
    default reset then sends one more query per request (unlock session advisory locks,
    CLOSE ALL, UNLISTEN, RESET ALL). The service keeps no session state — its advisory
    locks are transaction-level and its settings SET LOCAL — so there is nothing to undo."""


async def start_pool(
    min_size: int | None = None, max_size: int | None = None, role: str = "web"
) -> bool:
    """Open the PostgreSQL pool; False when there is nothing to open (SQLite, or open).
    Sizes default to DB_POOL_MIN / DB_POOL_MAX; Celery workers pass WORKER_DB_POOL_MAX
    (tasks/runner.py). `role` names the connections in pg_stat_activity
    (application_name minsheng-web, minsheng-worker, minsheng-cli)."""
    engine = get_engine()
    if isinstance(engine, PostgresEngine) and engine.pool is None:
        ops = get_settings().ops
        maximum = max_size or ops.db_pool_max
        global _pool_max
        _pool_max = maximum
        await engine.start_connection_pool(
            min_size=min(ops.db_pool_min if min_size is None else min_size, maximum),
            max_size=maximum,
            reset=_keep_session,
            server_settings={"application_name": f"minsheng-{role}"},
        )
        return True
    return False


@asynccontextmanager
async def pool_lifespan(_app: object) -> AsyncIterator[None]:
    """Owns the pool only if it opened it (tests share one across apps)."""
    opened = await start_pool()
    try:
        yield
    finally:
        if opened:
            await close_pool()


async def close_pool() -> None:
    engine = get_engine()
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
