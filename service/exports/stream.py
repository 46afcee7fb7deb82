"""Reading rows from the database in constant memory, on either engine.

PostgreSQL: a server-side cursor inside a read-only REPEATABLE READ transaction, so a
long export sees one consistent snapshot. SQLite: the driver's cursor, fetched in chunks.
SQL uses `{}` placeholders, filled in order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from service.db import get_engine

PREFETCH = 5000


def _numbered(sql: str) -> str:
    parts = sql.split("{}")
    return "".join(
        part + (f"${i + 1}" if i < len(parts) - 1 else "") for i, part in enumerate(parts)
    )


async def stream_rows(sql: str, *args: Any) -> AsyncIterator[tuple[Any, ...]]:
    engine = get_engine()
    if isinstance(engine, PostgresEngine):
        async for row in _postgres_rows(engine, _numbered(sql), args):
            yield row
        return
    connection = await engine.get_connection()  # type: ignore[attr-defined]
    connection.row_factory = None
    try:
        async with connection.execute(sql.replace("{}", "?"), args) as cursor:
            cursor.arraysize = PREFETCH
            while rows := await cursor.fetchmany(PREFETCH):
                for row in rows:
                    yield tuple(row)
    finally:
        await connection.close()


async def _postgres_rows(
    engine: PostgresEngine, sql: str, args: tuple[Any, ...]
) -> AsyncIterator[tuple[Any, ...]]:
    if engine.pool is not None:
        async with engine.pool.acquire() as connection:
            async for row in _cursor(connection, sql, args):
                yield row
        return
    connection = await engine.get_new_connection()
    try:
        async for row in _cursor(connection, sql, args):
            yield row
    finally:
        await connection.close()


async def _cursor(
    connection: Any, sql: str, args: tuple[Any, ...]
) -> AsyncIterator[tuple[Any, ...]]:
    async with connection.transaction(isolation="repeatable_read", readonly=True):
        async for record in connection.cursor(sql, *args, prefetch=PREFETCH):
            yield tuple(record)
