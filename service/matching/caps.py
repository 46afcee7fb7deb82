"""How much a pool may match for a gift now: the ratio, under what the pool has left and
under its caps per gift, per project and per donor per (Hangzhou) day. Net of releases:
a refunded gift's match given back counts as never used."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Sum

from service.matching.records import Gift, PoolRow
from service.matching.tables import MatchAllocation, MatchRelease

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def local_day(moment: dt.datetime | None) -> dt.date:
    moment = moment or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LOCAL_TZ).date()


async def matchable(pool: PoolRow, gift: Gift) -> tuple[int, str]:
    """(fen, the binding limit's name) for the gift now: the ratio under every cap."""
    limits = [
        (gift["amount_fen"] * pool["ratio_numerator"] // pool["ratio_denominator"], "ratio"),
        (pool["total_fen"] - pool["allocated_fen"], "pool_exhausted"),
    ]
    if pool["cap_per_gift_fen"] is not None:
        limits.append((pool["cap_per_gift_fen"], "cap_per_gift"))
    if pool["cap_per_project_fen"] is not None:
        used = await _allocated(
            (MatchAllocation.pool == pool["id"]) & (MatchAllocation.project == gift["project"])
        )
        released = await _released_by_project(pool["id"], gift["project"])
        limits.append((pool["cap_per_project_fen"] - used + released, "cap_per_project"))
    if pool["cap_per_donor_day_fen"] is not None:
        used = await _donor_day_allocated(pool["id"], gift["donor"], local_day(gift["settled_at"]))
        limits.append((pool["cap_per_donor_day_fen"] - used, "cap_per_donor_day"))
    amount, binding = min(limits, key=lambda limit: limit[0])
    return max(0, amount), binding


async def _allocated(where: Any) -> int:
    row = (
        await MatchAllocation.select(Sum(MatchAllocation.amount_fen).as_alias("t"))
        .where(where)
        .first()
    )
    return int(row["t"] or 0) if row else 0


async def _donor_day_allocated(pool_id: int, donor_id: uuid.UUID, day: dt.date) -> int:
    rows = await MatchAllocation.select(
        MatchAllocation.id,
        MatchAllocation.amount_fen,
        MatchAllocation.payment.settled_at.as_alias("settled_at"),
    ).where((MatchAllocation.pool == pool_id) & (MatchAllocation.payment.pledge.donor == donor_id))
    ids = [r["id"] for r in rows if local_day(r["settled_at"]) == day]
    return sum(r["amount_fen"] for r in rows if r["id"] in ids) - await _released_of(ids)


async def _released_of(allocation_ids: list[uuid.UUID]) -> int:
    if not allocation_ids:
        return 0
    row = (
        await MatchRelease.select(Sum(MatchRelease.amount_fen).as_alias("t"))
        .where(MatchRelease.allocation.is_in(allocation_ids))
        .first()
    )
    return int(row["t"] or 0) if row else 0


async def _released_by_project(pool_id: int, project_id: int) -> int:
    row = (
        await MatchRelease.select(Sum(MatchRelease.amount_fen).as_alias("t"))
        .where((MatchRelease.pool == pool_id) & (MatchRelease.project == project_id))
        .first()
    )
    return int(row["t"] or 0) if row else 0
