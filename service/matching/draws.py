"""Drawing a gift's match from one pool.

A pool never allocates more than it holds (docs/architecture.md, Money invariants 6):
the pool row is locked for the computation of the caps (service/matching/locking.py), and
the allocation itself is one atomic
`UPDATE … SET allocated_fen = allocated_fen + n WHERE allocated_fen + n <= total_fen`,
so even a writer that skipped the lock could not overdraw it. Every allocation is posted
through the ledger rule `match_allocated` in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from service.audit.services import SYSTEM, Actor, record
from service.db import write_transaction
from service.errors import NotAllowed, NotFound
from service.i18n import gettext as _
from service.ledger import rules
from service.matching.caps import matchable
from service.matching.locking import locked_pool
from service.matching.records import Gift, PoolRow
from service.matching.tables import MatchAllocation, MatchingPool
from service.payments.tables import Payment

ALLOCATION_NAMESPACE = uuid.UUID("0b7e8f0a-3c2d-4b55-9a61-2f4e5d6c7b8a")
Status = MatchingPool.Status


@dataclass(frozen=True)
class AllocationResult:
    allocation_id: uuid.UUID | None
    amount_fen: int
    """0 when nothing could be matched (pool empty, caps reached); no row is written."""
    created: bool
    reason: str = ""
    """Why nothing (or less) was matched, when it was not."""


def allocation_id_for(pool_id: int, payment_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(ALLOCATION_NAMESPACE, f"{pool_id}:{payment_id}")


async def settled_gift(payment_id: uuid.UUID) -> Gift:
    """The settled payment as matching sees it: amount, when, pledge, edition, project, donor."""
    row = (
        await Payment.select(
            Payment.id,
            Payment.amount_fen,
            Payment.status,
            Payment.settled_at,
            Payment.created_at,
            Payment.provider_reference,
            Payment.pledge,
            Payment.pledge.event.as_alias("event"),
            Payment.pledge.project.as_alias("project"),
            Payment.pledge.donor.as_alias("donor"),
        )
        .where(Payment.id == payment_id)
        .first()
    )
    if row is None:
        raise NotFound.on("payment_id", _("没有这笔到账。"))
    if row["status"] != Payment.Status.succeeded.value:
        raise NotAllowed.on("payment_id", _("只有已到账的捐赠可以配捐。"))
    return row


async def allocate_locked(pool: PoolRow, gift: Gift, actor: Actor) -> AllocationResult:
    """Match the gift from a pool whose row (and the chain) this transaction has locked."""
    pool_id, payment_id = pool["id"], gift["id"]
    allocation_id = allocation_id_for(pool_id, payment_id)
    existing = (
        await MatchAllocation.select(MatchAllocation.amount_fen)
        .where(MatchAllocation.id == allocation_id)
        .first()
    )
    if existing:
        return AllocationResult(allocation_id, existing["amount_fen"], created=False)
    if pool["status"] != Status.open.value:
        return AllocationResult(None, 0, created=False, reason=f"pool_{pool['status']}")
    amount, binding = await matchable(pool, gift)
    if amount <= 0:
        return AllocationResult(None, 0, created=False, reason=binding)
    taken = await MatchingPool.raw(
        "UPDATE matching_pool SET allocated_fen = allocated_fen + {} "
        "WHERE id = {} AND allocated_fen + {} <= total_fen RETURNING allocated_fen, total_fen",
        amount,
        pool_id,
        amount,
    )
    if not taken:  # only reachable without the row lock (SQLite serializes anyway)
        return AllocationResult(None, 0, created=False, reason="pool_exhausted")
    if taken[0]["allocated_fen"] >= taken[0]["total_fen"]:
        await MatchingPool.update({MatchingPool.status: Status.exhausted.value}).where(
            MatchingPool.id == pool_id
        )
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
        occurred_at=gift["settled_at"],  # matched as the gift settled
    )
    await record(
        actor,
        "matching.allocate",
        "match_allocation",
        allocation_id,
        data={"pool": pool_id, "payment": str(payment_id), "amount_fen": amount},
    )
    reason = "" if binding == "ratio" else binding
    return AllocationResult(allocation_id, amount, created=True, reason=reason)


async def allocate(pool_id: int, payment_id: uuid.UUID, actor: Actor = SYSTEM) -> AllocationResult:
    """Match a settled gift from one pool; a second call for the same pair is a no-op."""
    async with write_transaction():
        pool = await locked_pool(pool_id)
        gift = await settled_gift(payment_id)
        if gift["project"] is None:
            raise NotAllowed.on("payment_id", _("捐给公益总基金的款项不配捐。"))
        if gift["event"] != pool["event"]:
            raise NotAllowed.on("pool_id", _("这个配捐池只配捐另一届的捐赠。"))
        return await allocate_locked(pool, gift, actor)
