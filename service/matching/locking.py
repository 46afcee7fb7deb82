"""Locks for pool movements, always in one order: the ledger's chain lock, then the pool
row. A payment's settle step already holds the chain lock when it asks for a match, so
taking it first in the other paths (funding, state changes, review, direct allocation)
keeps them from deadlocking."""

from __future__ import annotations

from service.db import get_engine, is_sqlite
from service.errors import NotFound
from service.i18n import gettext as _
from service.ledger.services import CHAIN_LOCK_ID
from service.locks import lock_row
from service.matching.records import PoolRow
from service.matching.tables import MatchingPool


async def serialize_with_postings() -> None:
    """Take the ledger's chain lock now (re-entrant within the transaction), so a pool
    lock is only ever taken after it."""
    if not is_sqlite():
        await get_engine().run_ddl(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK_ID})")


async def locked_pool(pool_id: int) -> PoolRow:
    """The pool's row, read under its lock (after the chain lock)."""
    await serialize_with_postings()
    await lock_row(MatchingPool, pool_id)
    pool = await MatchingPool.select().where(MatchingPool.id == pool_id).first()
    if pool is None:
        raise NotFound.on("pool_id", _("没有编号为%(id)s的配捐池。") % {"id": pool_id})
    return pool
