"""CSV straight from PostgreSQL's COPY, for exporters that can express their rows in SQL.

The rows never pass through Python objects: PostgreSQL formats the CSV, we stream its
bytes (hashing them for the manifest) with back-pressure through a small queue. Row
count and totals come from one aggregate over the same REPEATABLE READ snapshot, so they
describe exactly the rows COPY writes. Formula-like text is neutralised in the SQL.
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


def neutralised_sql(expression: str) -> str:
    """SQL for a text cell that a spreadsheet must not evaluate (CSV injection)."""
    return (
        f"CASE WHEN left({expression}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
        f"THEN '''' || {expression} ELSE {expression} END"
    )


def available() -> bool:
    return isinstance(get_engine(), PostgresEngine)


async def copy_csv(
    select: tuple[str, list[Any]],
    aggregate: tuple[str, list[Any]],
    on_aggregate: Callable[[tuple[Any, ...]], None],
    on_chunk: Callable[[bytes], None] | None = None,
) -> AsyncIterator[bytes]:
    """Yield the CSV bytes of `select` (header included, no BOM); `on_aggregate` gets
    the aggregate row before the first byte."""
    engine = get_engine()
    assert isinstance(engine, PostgresEngine)
    if engine.pool is not None:
        connection = await engine.pool.acquire()
        release = engine.pool.release
    else:
        connection = await engine.get_new_connection()
        release = None
    transaction = connection.transaction(isolation="repeatable_read", readonly=True)
    await transaction.start()
    task: asyncio.Task | None = None
    finished = False
    try:
        # If a client goes away and the generator is never closed, the server still ends
        # the session instead of keeping a snapshot (and its locks) open.
        await connection.execute(
            f"SET LOCAL idle_in_transaction_session_timeout = '{IDLE_TIMEOUT_S}s'"
        )
        row = await connection.fetchrow(_numbered(aggregate[0]), *aggregate[1])
        on_aggregate(tuple(row))
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=QUEUE_CHUNKS)

        async def sink(chunk: bytes | bytearray) -> None:
            await queue.put(bytes(chunk))

        async def produce() -> None:
            try:
                await connection.copy_from_query(
                    _numbered(select[0]), *select[1], output=sink, format="csv", header=True
                )
            finally:
                await queue.put(None)

        task = asyncio.create_task(produce())
        while (chunk := await queue.get()) is not None:
            if on_chunk is not None:
                on_chunk(chunk)
            yield chunk
        await task  # re-raises a failed COPY
        finished = True
    finally:
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if finished:
            await transaction.rollback()  # read-only: nothing to keep
        else:
            connection.terminate()  # an interrupted COPY leaves the protocol mid-stream
        if release is not None:
            await release(connection)
        else:
            await connection.close()
