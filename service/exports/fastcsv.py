"""CSV straight from PostgreSQL's COPY, for exporters that can express their rows in SQL.

The rows never pass through Python objects: PostgreSQL formats the CSV, we stream its
bytes (hashing them for the manifest) with back-pressure through a small queue. Row
count and totals come from one aggregate run at the same time on a second connection
that imports the COPY transaction's snapshot, so they describe exactly the rows COPY
writes. Formula-like text is neutralised in the SQL; timestamps are PostgreSQL's ISO
8601 output in UTC.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from service.db import get_engine
from service.exports.stream import _numbered

QUEUE_CHUNKS = 16
IDLE_TIMEOUT_S = 60
FORMULA_CODES = "61, 43, 45, 64, 9, 13"  # = + - @ TAB CR


def neutralised_sql(expression: str) -> str:
    """SQL for a text cell that a spreadsheet must not evaluate (CSV injection).
    `ascii()` reads the first character only: much cheaper than left() on 1M rows."""
    return (
        f"CASE WHEN ascii({expression}) IN ({FORMULA_CODES}) "
        f"THEN '''' || {expression} ELSE {expression} END"
    )


def available() -> bool:
    return isinstance(get_engine(), PostgresEngine)


class _Connections:
    """Connections from the pool when it is open, else new ones; always given back."""

    def __init__(self, engine: PostgresEngine) -> None:
        self.engine = engine
        self.taken: list[Any] = []

    async def take(self) -> Any:
        if self.engine.pool is not None:
            connection = await self.engine.pool.acquire()
        else:
            connection = await self.engine.get_new_connection()
        self.taken.append(connection)
        return connection

    async def give_back(self, clean: bool) -> None:
        for connection in self.taken:
            if not clean:
                connection.terminate()  # an interrupted COPY leaves the protocol mid-stream
            if self.engine.pool is not None:
                await self.engine.pool.release(connection)
            elif clean:
                await connection.close()


async def _begin(connection: Any) -> Any:
    transaction = connection.transaction(isolation="repeatable_read", readonly=True)
    await transaction.start()
    # If a client goes away and the generator is never closed, the server still ends the
    # session instead of keeping a snapshot open.
    await connection.execute(f"SET LOCAL idle_in_transaction_session_timeout = '{IDLE_TIMEOUT_S}s'")
    await connection.execute("SET LOCAL TimeZone = 'UTC'")
    return transaction


async def copy_csv(
    select: tuple[str, list[Any]],
    aggregate: tuple[str, list[Any]],
    on_aggregate: Callable[[tuple[Any, ...]], None],
    on_chunk: Callable[[bytes], None] | None = None,
) -> AsyncIterator[bytes]:
    """Yield the CSV bytes of `select` (header included, no BOM); `on_aggregate` gets the
    aggregate row (count, sums) of the same snapshot, before the last byte is yielded."""
    engine = get_engine()
    assert isinstance(engine, PostgresEngine)
    pool = _Connections(engine)
    tasks: list[asyncio.Task] = []
    finished = False
    try:
        copier = await pool.take()
        counter = await pool.take()
        copy_tx = await _begin(copier)
        snapshot = await copier.fetchval("SELECT pg_export_snapshot()")
        count_tx = counter.transaction(isolation="repeatable_read", readonly=True)
        await count_tx.start()
        await counter.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")

        async def count() -> tuple[Any, ...]:
            try:
                return tuple(await counter.fetchrow(_numbered(aggregate[0]), *aggregate[1]))
            finally:
                await count_tx.rollback()

        queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=QUEUE_CHUNKS)

        async def sink(chunk: bytes | bytearray) -> None:
            await queue.put(bytes(chunk))

        async def produce() -> None:
            try:
                await copier.copy_from_query(
                    _numbered(select[0]), *select[1], output=sink, format="csv", header=True
                )
            finally:
                await queue.put(None)

        counting = asyncio.create_task(count())
        copying = asyncio.create_task(produce())
        tasks = [counting, copying]
        while (chunk := await queue.get()) is not None:
            if on_chunk is not None:
                on_chunk(chunk)
            yield chunk
        await copying  # re-raises a failed COPY
        on_aggregate(await counting)
        await copy_tx.rollback()  # read-only: nothing to keep
        finished = True
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await pool.give_back(clean=finished)
