"""Row and key locks inside a write transaction, on both engines.

PostgreSQL takes real locks; SQLite's BEGIN IMMEDIATE already serializes every writer,
so the same calls are no-ops there.
"""

from __future__ import annotations

import zlib

from piccolo.table import Table

from service.db import get_engine, is_sqlite


async def lock_row(table: type[Table], row_id: object) -> None:
    """SELECT … FOR UPDATE on one row."""
    if is_sqlite():
        return
    await table.select(table._meta.primary_key).where(table._meta.primary_key == row_id).lock_rows()


async def lock_key(namespace: str, key: str) -> None:
    """A transaction-scoped advisory lock on an arbitrary key (e.g. an Idempotency-Key)."""
    if is_sqlite():
        return
    lock_id = zlib.crc32(f"{namespace}:{key}".encode())
    await get_engine().run_ddl(f"SELECT pg_advisory_xact_lock({lock_id})")
