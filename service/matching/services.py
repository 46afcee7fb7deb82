"""Matching pools: funding a pool and allocating it against settled gifts under caps.

A pool never allocates more than it holds (docs/architecture.md, Money invariants 6):
the pool row is locked for the computation of the caps, and the allocation itself is one atomic
`UPDATE … SET allocated_fen = allocated_fen + n WHERE allocated_fen + n <= total_fen`,
so even a writer that skipped the lock could not overdraw it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Sum

from service.audit.services import SYSTEM, Actor, record
from service.db import write_transaction
from service.errors import InvalidInput, NotAllowed, NotFound
from service.ledger import rules
from service.locks import lock_row
from service.matching.tables import MatchAllocation, MatchingPool
from service.payments.tables import Payment

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
ALLOCATION_NAMESPACE = uuid.UUID("0b7e8f0a-3c2d-4b55-9a61-2f4e5d6c7b8a")


@dataclass(frozen=True)
class PoolDraft:
    event_id: int
    sponsor_org_id: int
    name: str
    total_fen: int
    ratio_numerator: int = 1
    ratio_denominator: int = 1
    cap_per_gift_fen: int | None = None
    cap_per_project_fen: int | None = None
    cap_per_donor_day_fen: int | None = None


@dataclass(frozen=True)
class AllocationResult:
    allocation_id: uuid.UUID | None
    amount_fen: int
    """0 when nothing could be matched (pool empty, caps reached); no row is written."""
    created: bool


def allocation_id_for(pool_id: int, payment_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(ALLOCATION_NAMESPACE, f"{pool_id}:{payment_id}")


def _check_draft(draft: PoolDraft) -> None:
    if type(draft.total_fen) is not int or draft.total_fen <= 0:
        raise InvalidInput.on("total_fen", "must be a positive whole number of fen")
    if draft.ratio_numerator <= 0 or draft.ratio_denominator <= 0:
        raise InvalidInput.on("ratio", "the matching ratio must be positive")
    for name in ("cap_per_gift_fen", "cap_per_project_fen", "cap_per_donor_day_fen"):
        cap = getattr(draft, name)
        if cap is not None and (type(cap) is not int or cap <= 0):
            raise InvalidInput.on(name, "a cap must be a positive whole number of fen")
    if not draft.name.strip():
        raise InvalidInput.on("name", "the pool needs a name")


async def create_pool(draft: PoolDraft, actor: Actor) -> int:
    """A sponsor's pool, paid in: the ledger holds its total until allocated."""
    _check_draft(draft)
    async with write_transaction():
        pool = MatchingPool(
            event=draft.event_id,
            sponsor=draft.sponsor_org_id,
            name=draft.name.strip(),
            total_fen=draft.total_fen,
            ratio_numerator=draft.ratio_numerator,
            ratio_denominator=draft.ratio_denominator,
            cap_per_gift_fen=draft.cap_per_gift_fen,
            cap_per_project_fen=draft.cap_per_project_fen,
            cap_per_donor_day_fen=draft.cap_per_donor_day_fen,
        )
        await pool.save()
        await rules.pool_funded(
            pool_id=pool.id, event_id=draft.event_id, amount_fen=draft.total_fen
        )
        await record(
            actor,
            "matching.pool.create",
            "matching_pool",
            pool.id,
            data={"total_fen": draft.total_fen},
        )
    return pool.id


async def _settled_gift(payment_id: uuid.UUID) -> dict[str, Any]:
    row = (
        await Payment.select(
            Payment.id,
            Payment.amount_fen,
            Payment.status,
            Payment.settled_at,
            Payment.pledge.event.as_alias("event"),
            Payment.pledge.project.as_alias("project"),
            Payment.pledge.donor.as_alias("donor"),
        )
        .where(Payment.id == payment_id)
        .first()
    )
    if row is None:
        raise NotFound.on("payment_id", f"no payment {payment_id}")
    if row["status"] != Payment.Status.succeeded.value:
        raise NotAllowed.on("payment_id", "only a settled payment can be matched")
    if row["project"] is None:
        raise NotAllowed.on("payment_id", "gifts to the general fund are not matched")
    return row


async def _allocated(where: Any) -> int:
    row = (
        await MatchAllocation.select(Sum(MatchAllocation.amount_fen).as_alias("t"))
        .where(where)
        .first()
    )
    return int(row["t"] or 0) if row else 0


def _local_day(moment: dt.datetime | None) -> dt.date:
    moment = moment or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LOCAL_TZ).date()


async def _donor_day_allocated(pool_id: int, donor_id: uuid.UUID, day: dt.date) -> int:
    rows = await MatchAllocation.select(
        MatchAllocation.amount_fen, MatchAllocation.payment.settled_at.as_alias("settled_at")
    ).where((MatchAllocation.pool == pool_id) & (MatchAllocation.payment.pledge.donor == donor_id))
    return sum(r["amount_fen"] for r in rows if _local_day(r["settled_at"]) == day)


async def matchable_fen(pool: dict[str, Any], gift: dict[str, Any]) -> int:
    """How much the pool would match for the gift now: the ratio, under every cap."""
    limits = [
        gift["amount_fen"] * pool["ratio_numerator"] // pool["ratio_denominator"],
        pool["total_fen"] - pool["allocated_fen"],
    ]
    if pool["cap_per_gift_fen"] is not None:
        limits.append(pool["cap_per_gift_fen"])
    if pool["cap_per_project_fen"] is not None:
        used = await _allocated(
            (MatchAllocation.pool == pool["id"]) & (MatchAllocation.project == gift["project"])
        )
        limits.append(pool["cap_per_project_fen"] - used)
    if pool["cap_per_donor_day_fen"] is not None:
        used = await _donor_day_allocated(pool["id"], gift["donor"], _local_day(gift["settled_at"]))
        limits.append(pool["cap_per_donor_day_fen"] - used)
    return max(0, min(limits))


async def allocate(pool_id: int, payment_id: uuid.UUID, actor: Actor = SYSTEM) -> AllocationResult:
    """Match a settled gift from the pool; a second call for the same pair is a no-op."""
    allocation_id = allocation_id_for(pool_id, payment_id)
    async with write_transaction():
        await lock_row(MatchingPool, pool_id)
        existing = (
            await MatchAllocation.select(MatchAllocation.amount_fen)
            .where(MatchAllocation.id == allocation_id)
            .first()
        )
        if existing:
            return AllocationResult(allocation_id, existing["amount_fen"], created=False)
        pool = await MatchingPool.select().where(MatchingPool.id == pool_id).first()
        if pool is None:
            raise NotFound.on("pool_id", f"no matching pool {pool_id}")
        gift = await _settled_gift(payment_id)
        if gift["event"] != pool["event"]:
            raise NotAllowed.on("pool_id", "the pool matches gifts of another edition")
        if pool["status"] != MatchingPool.Status.open.value:
            return AllocationResult(None, 0, created=False)
        amount = await matchable_fen(pool, gift)
        if amount <= 0:
            return AllocationResult(None, 0, created=False)
        taken = await MatchingPool.raw(
            "UPDATE matching_pool SET allocated_fen = allocated_fen + {} "
            "WHERE id = {} AND allocated_fen + {} <= total_fen RETURNING allocated_fen, total_fen",
            amount,
            pool_id,
            amount,
        )
        if not taken:  # only reachable without the row lock (SQLite serializes anyway)
            return AllocationResult(None, 0, created=False)
        if taken[0]["allocated_fen"] >= taken[0]["total_fen"]:
            await MatchingPool.update(
                {MatchingPool.status: MatchingPool.Status.exhausted.value}
            ).where(MatchingPool.id == pool_id)
        await MatchAllocation.insert(
            MatchAllocation(
                id=allocation_id,
                pool=pool_id,
                payment=payment_id,
                project=gift["project"],
                amount_fen=amount,
            )
        )
        await rules.match_allocated(
            allocation_id=allocation_id,
            pool_id=pool_id,
            payment_id=payment_id,
            event_id=pool["event"],
            project_id=gift["project"],
            amount_fen=amount,
        )
        await record(
            actor,
            "matching.allocate",
            "match_allocation",
            allocation_id,
            data={"pool": pool_id, "payment": str(payment_id), "amount_fen": amount},
        )
    return AllocationResult(allocation_id, amount, created=True)
