"""Matching a settled gift, in the settle step's own transaction, and undoing it.

`allocate_for_payment` is the one call the settle step makes. It writes the gift's
matching record (`MatchDecision`): matched, nothing (with the reason: no pool for the
project, pool closed, paused, not funded, exhausted, outside its window, a cap reached) or
held for an organizer's review (abuse rules, service/matching/abuse.py). Editions without
any pool get no record. `release_match` gives a refunded gift's match back to its pool.
The organizer's review of held matches is service/matching/review.py.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from service.audit.services import SYSTEM, Actor, record
from service.disbursements.services import available_fen
from service.ledger import rules
from service.locks import lock_row
from service.matching import abuse
from service.matching.draws import AllocationResult, allocate_locked, settled_gift
from service.matching.locking import serialize_with_postings
from service.matching.records import Gift, NewDecision, PoolRow
from service.matching.tables import MatchAllocation, MatchDecision, MatchingPool, MatchRelease
from service.outbox.services import enqueue

Outcome = MatchDecision.Outcome
DECISION_NAMESPACE = uuid.UUID("5d0c7a43-8f0e-4f4e-9a3b-1c2d3e4f5a6b")
RELEASE_NAMESPACE = uuid.UUID("9a1f3c55-2b7d-4e0a-8c6f-7d8e9f0a1b2c")

REASONS = {
    "no_pool": "no matching pool covers this project",
    "general_fund": "gifts to the general fund are not matched",
    "pool_draft": "the pool is not funded yet",
    "pool_paused": "the pool is paused",
    "pool_closed": "the pool is closed",
    "pool_exhausted": "the pool is exhausted",
    "not_started": "the pool's matching window has not started",
    "ended": "the pool's matching window has ended",
    "cap_per_gift": "the cap per gift",
    "cap_per_project": "the project's cap is reached",
    "cap_per_donor_day": "the donor's daily cap is reached",
    "refunded": "the gift was refunded in full",
}


def decision_id_for(payment_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(DECISION_NAMESPACE, str(payment_id))


def _eligible(pool: PoolRow, project_id: int) -> bool:
    projects = pool["eligible_projects"] or []
    if isinstance(projects, str):  # JSON comes back as text unless asked (PITFALLS)
        projects = json.loads(projects)
    return not projects or project_id in projects


def _window_problem(pool: PoolRow, at: dt.datetime) -> str | None:
    if pool["starts_at"] and at < pool["starts_at"]:
        return "not_started"
    if pool["ends_at"] and at >= pool["ends_at"]:
        return "ended"
    return None


async def _decide(
    payment_id: uuid.UUID,
    gift: Gift,
    outcome: Outcome,
    reason: str,
    pool_id: int | None = None,
    result: AllocationResult | None = None,
) -> NewDecision:
    decision: NewDecision = {
        "id": decision_id_for(payment_id),
        "payment": payment_id,
        "pledge": gift["pledge"],
        "pool": pool_id,
        "outcome": outcome.value,
        "reason": reason,
        "matched_fen": result.amount_fen if result else 0,
        "allocation": result.allocation_id if result else None,
    }
    await MatchDecision.insert(MatchDecision(**decision))
    return decision


def reason_text(code: str, pool: PoolRow | None = None) -> str:
    text = REASONS.get(code, code)
    return f"{code}: {text}" + (f" (pool {pool['id']} {pool['name']})" if pool else "")


async def allocate_for_payment(payment_id: uuid.UUID, actor: Actor = SYSTEM) -> NewDecision | None:
    """Match a gift that has just settled, inside the settle step's transaction (call it
    after the payment is booked). Returns the gift's matching record, or None when its
    edition has no pool. A second call returns the first record."""
    existing = await MatchDecision.select().where(MatchDecision.payment == payment_id).first()
    if existing:
        return existing
    gift = await settled_gift(payment_id)
    pools = await (
        MatchingPool.select().where(MatchingPool.event == gift["event"]).order_by(MatchingPool.id)
    )
    if not pools:
        return None
    await serialize_with_postings()
    if gift["project"] is None:
        return await _decide(payment_id, gift, Outcome.none, reason_text("general_fund"))
    candidates = [pool for pool in pools if _eligible(pool, gift["project"])]
    if not candidates:
        return await _decide(payment_id, gift, Outcome.none, reason_text("no_pool"))
    at = gift["settled_at"] or dt.datetime.now(dt.UTC)
    refusals: list[str] = []
    for candidate in candidates:
        await lock_row(MatchingPool, candidate["id"])
        pool = await MatchingPool.select().where(MatchingPool.id == candidate["id"]).first()
        problem = _window_problem(pool, at)
        if problem is None and pool["status"] != MatchingPool.Status.open.value:
            problem = f"pool_{pool['status']}"
        if problem:
            refusals.append(reason_text(problem, pool))
            continue
        hold = await abuse.hold_for(pool, gift)
        if hold:
            decision = await _decide(
                payment_id, gift, Outcome.held, f"{hold.rule}: {hold.detail}", pool["id"]
            )
            await record(
                actor,
                "matching.hold",
                "payment",
                payment_id,
                reason=decision["reason"],
                data={"pool": pool["id"], "rule": hold.rule},
            )
            return decision
        result = await allocate_locked(pool, gift, actor)
        if result.amount_fen > 0:
            reason = reason_text(result.reason) if result.reason else ""
            decision = await _decide(payment_id, gift, Outcome.matched, reason, pool["id"], result)
            await announce(pool, gift, result.amount_fen)
            return decision
        refusals.append(reason_text(result.reason, pool))
    return await _decide(payment_id, gift, Outcome.none, "; ".join(refusals))


async def announce(pool: PoolRow, gift: Gift, amount_fen: int) -> None:
    """A live-screen update: the project's matched amount and the pool's remainder."""
    await enqueue(
        "live.match",
        {
            "payment_id": str(gift["id"]),
            "event_id": pool["event"],
            "project_id": gift["project"],
            "pool_id": pool["id"],
            "amount_fen": amount_fen,
        },
        dedupe_key=f"live.match:{gift['id']}:{pool['id']}",
    )


async def release_match(
    payment_id: uuid.UUID, source: str, remaining_gift_fen: int, reason: str
) -> int:
    """After a refund (or reversal) of the gift, give back the part of its match the gift
    no longer earns: the match may stay at most what the ratio gives on `remaining_gift_fen`
    — as far as the project still has it (what was disbursed stays spent). Keyed by
    `source` (e.g. the refund id): a replay releases nothing more. Returns fen."""
    allocations = await MatchAllocation.select().where(MatchAllocation.payment == payment_id)
    released_total = 0
    for allocation in allocations:
        release_id = uuid.uuid5(RELEASE_NAMESPACE, f"{allocation['id']}:{source}")
        if await MatchRelease.exists().where(MatchRelease.id == release_id):
            continue
        await serialize_with_postings()
        await lock_row(MatchingPool, allocation["pool"])
        pool = await MatchingPool.select().where(MatchingPool.id == allocation["pool"]).first()
        earlier = await MatchRelease.select(MatchRelease.amount_fen).where(
            MatchRelease.allocation == allocation["id"]
        )
        net = allocation["amount_fen"] - sum(row["amount_fen"] for row in earlier)
        allowed = max(0, remaining_gift_fen) * pool["ratio_numerator"] // pool["ratio_denominator"]
        # What the project has already paid out (or promised) cannot go back to the pool:
        # the project's balance never goes below zero.
        amount = min(net - min(net, allowed), max(0, await available_fen(allocation["project"])))
        if amount <= 0:
            continue
        await MatchRelease.insert(
            MatchRelease(
                id=release_id,
                allocation=allocation["id"],
                pool=pool["id"],
                project=allocation["project"],
                amount_fen=amount,
                reason=reason,
            )
        )
        changes: dict[Any, Any] = {MatchingPool.allocated_fen: MatchingPool.allocated_fen - amount}
        if pool["status"] == MatchingPool.Status.exhausted.value:
            changes[MatchingPool.status] = MatchingPool.Status.open.value
        await MatchingPool.update(changes).where(MatchingPool.id == pool["id"])
        await rules.match_released(
            release_id=release_id,
            pool_id=pool["id"],
            event_id=pool["event"],
            project_id=allocation["project"],
            amount_fen=amount,
            reason=reason,
        )
        await record(
            SYSTEM,
            "matching.release",
            "match_allocation",
            allocation["id"],
            reason=reason,
            data={"amount_fen": amount, "pool": pool["id"]},
        )
        await enqueue(
            "live.match_released",
            {
                "release_id": str(release_id),
                "event_id": pool["event"],
                "project_id": allocation["project"],
                "pool_id": pool["id"],
                "amount_fen": amount,
            },
            dedupe_key=f"live.match_released:{release_id}",
        )
        released_total += amount
    return released_total
