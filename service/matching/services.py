"""Matching pools: creating, funding, pausing and closing a pool, and allocating it
against settled gifts under caps.

A pool never allocates more than it holds (docs/architecture.md, Money invariants 6):
the pool row is locked for the computation of the caps, and the allocation itself is one atomic
`UPDATE … SET allocated_fen = allocated_fen + n WHERE allocated_fen + n <= total_fen`,
so even a writer that skipped the lock could not overdraw it. Every pool movement is
posted through a ledger rule (pool_funded, match_allocated, match_released).

Lock order, everywhere: the ledger's chain lock, then the pool row. A payment's settle
step already holds the chain lock when it asks for a match, so taking it first in the
other paths (funding, review, direct allocation) keeps them from deadlocking.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Sum

from service.audit.services import SYSTEM, Actor, record
from service.db import get_engine, is_sqlite, write_transaction
from service.errors import FieldError, InvalidInput, NotAllowed, NotFound
from service.events.tables import Event
from service.ledger import rules
from service.ledger.services import CHAIN_LOCK_ID
from service.locks import lock_row
from service.matching.records import Gift, PoolRow
from service.matching.tables import MatchAllocation, MatchingPool, MatchRelease
from service.orgs.tables import Organization
from service.payments.tables import Payment
from service.projects.tables import Project

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
ALLOCATION_NAMESPACE = uuid.UUID("0b7e8f0a-3c2d-4b55-9a61-2f4e5d6c7b8a")
Status = MatchingPool.Status
MAX_RATIO_DENOMINATOR = 1000


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
    eligible_project_ids: tuple[int, ...] = field(default_factory=tuple)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None


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


def parse_ratio(text: str) -> tuple[int, int]:
    """ "1:1" → (1, 1); "1:0.5" → (1, 2): the match is gift × numerator / denominator.
    The left side is what the donor gives, the right side what the sponsor adds."""
    parts = text.replace("：", ":").split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        gift, match = Fraction(parts[0].strip()), Fraction(parts[1].strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise InvalidInput.on("ratio", "write the ratio as gift:match, e.g. 1:1 or 1:0.5") from exc
    if gift <= 0 or match <= 0:
        raise InvalidInput.on("ratio", "both sides of the ratio must be positive")
    ratio = match / gift
    if ratio.denominator > MAX_RATIO_DENOMINATOR or ratio > 100:
        raise InvalidInput.on("ratio", "the ratio is too fine or too large (at most 1:100)")
    return ratio.numerator, ratio.denominator


def ratio_text(numerator: int, denominator: int) -> str:
    value = Fraction(numerator, denominator)
    if value.denominator == 1:
        return f"1:{value.numerator}"
    as_decimal = f"{float(value):.4f}".rstrip("0").rstrip(".")
    return f"1:{as_decimal}" if Fraction(as_decimal) == value else f"{denominator}:{numerator}"


def _check_draft(draft: PoolDraft) -> None:
    errors: list[FieldError] = []

    def bad(name: str, message: str) -> None:
        errors.append(FieldError(name, message))

    total_ok = type(draft.total_fen) is int and draft.total_fen > 0
    if not total_ok:
        bad("total_fen", "must be a positive whole number of fen")
    if not (
        type(draft.ratio_numerator) is int
        and type(draft.ratio_denominator) is int
        and draft.ratio_numerator > 0
        and draft.ratio_denominator > 0
    ):
        bad("ratio", "the matching ratio must be positive")
    caps = {}
    for name in ("cap_per_gift_fen", "cap_per_project_fen", "cap_per_donor_day_fen"):
        cap = getattr(draft, name)
        if cap is None:
            continue
        if type(cap) is not int or cap <= 0:
            bad(name, "a cap must be a positive whole number of fen")
        elif total_ok and cap > draft.total_fen:
            bad(name, f"a cap cannot be larger than the pool's total ({draft.total_fen} fen)")
        else:
            caps[name] = cap
    gift, project = caps.get("cap_per_gift_fen"), caps.get("cap_per_project_fen")
    if gift is not None and project is not None and gift > project:
        bad("cap_per_gift_fen", "the cap per gift cannot exceed the cap per project")
    if not draft.name.strip():
        bad("name", "the pool needs a name")
    elif len(draft.name.strip()) > 200:
        bad("name", "at most 200 characters")
    if draft.starts_at and draft.ends_at and draft.starts_at >= draft.ends_at:
        bad("ends_at", "the window must end after it starts")
    if errors:
        raise InvalidInput(errors[0].message, errors)


async def _check_references(draft: PoolDraft) -> None:
    if not await Event.exists().where(Event.id == draft.event_id):
        raise NotFound.on("event", "no such edition")
    if not await Organization.exists().where(Organization.id == draft.sponsor_org_id):
        raise InvalidInput.on("sponsor_org_id", "no such organization")
    if draft.eligible_project_ids:
        found = await Project.select(Project.id).where(
            Project.id.is_in(list(draft.eligible_project_ids)) & (Project.event == draft.event_id)
        )
        missing = set(draft.eligible_project_ids) - {row["id"] for row in found}
        if missing:
            raise InvalidInput.on(
                "eligible_project_ids",
                f"not projects of this edition: {', '.join(map(str, sorted(missing)))}",
            )


async def serialize_with_postings() -> None:
    """Take the ledger's chain lock now (re-entrant within the transaction), so a pool
    lock is only ever taken after it — see the module's docstring."""
    if not is_sqlite():
        await get_engine().run_ddl(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK_ID})")


async def create_pool(
    draft: PoolDraft, actor: Actor, *, fund: bool = True, funded_at: dt.datetime | None = None
) -> int:
    """A sponsor's pool. With `fund` (the default) it is paid in at once (dated `funded_at`
    when recorded after the fact, as the demo's history is); otherwise it waits in `draft`
    for `fund_pool`."""
    _check_draft(draft)
    await _check_references(draft)
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
            eligible_projects=sorted(set(draft.eligible_project_ids)),
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            status=Status.draft.value,
        )
        await pool.save()
        await record(
            actor,
            "matching.pool.create",
            "matching_pool",
            pool.id,
            data={
                "total_fen": draft.total_fen,
                "ratio": ratio_text(draft.ratio_numerator, draft.ratio_denominator),
            },
        )
        if fund:
            await fund_pool(pool.id, actor, at=funded_at)
    return pool.id


async def _locked_pool(pool_id: int) -> PoolRow:
    await serialize_with_postings()
    await lock_row(MatchingPool, pool_id)
    pool = await MatchingPool.select().where(MatchingPool.id == pool_id).first()
    if pool is None:
        raise NotFound.on("pool_id", f"no matching pool {pool_id}")
    return pool


async def fund_pool(pool_id: int, actor: Actor, *, at: dt.datetime | None = None) -> None:
    """The sponsor's money arrived (now, or `at`): booked as `pool_funded`, the pool opens."""
    async with write_transaction():
        pool = await _locked_pool(pool_id)
        if pool["funded_at"] is not None:
            raise NotAllowed.on("pool_id", "the pool is already funded")
        if pool["status"] == Status.closed.value:
            raise NotAllowed.on("pool_id", "the pool is closed")
        now = at or dt.datetime.now(dt.UTC)
        await rules.pool_funded(
            pool_id=pool_id, event_id=pool["event"], amount_fen=pool["total_fen"], occurred_at=now
        )
        await MatchingPool.update(
            {MatchingPool.funded_at: now, MatchingPool.status: Status.open.value}
        ).where(MatchingPool.id == pool_id)
        await record(
            actor, "matching.pool.fund", "matching_pool", pool_id, data={"fen": pool["total_fen"]}
        )


_MOVES = {
    "pause": ({Status.open.value}, Status.paused),
    "resume": ({Status.paused.value}, Status.open),
    "close": (
        {Status.draft.value, Status.open.value, Status.paused.value, Status.exhausted.value},
        Status.closed,
    ),
}


async def set_pool_state(pool_id: int, move: str, reason: str, actor: Actor) -> str:
    """Pause, resume or close a pool; returns its new status. Closing keeps what was
    allocated; what is left stays in the pool account for the sponsor."""
    if move not in _MOVES:
        raise InvalidInput.on("action", "pause, resume or close")
    if move != "resume" and not reason.strip():
        raise InvalidInput.on("reason", "say why")
    allowed, target = _MOVES[move]
    async with write_transaction():
        pool = await _locked_pool(pool_id)
        if pool["status"] not in allowed:
            raise NotAllowed.on("pool_id", f"a {pool['status']} pool cannot {move}")
        await MatchingPool.update(
            {MatchingPool.status: target.value, MatchingPool.status_reason: reason.strip()}
        ).where(MatchingPool.id == pool_id)
        await record(actor, f"matching.pool.{move}", "matching_pool", pool_id, reason=reason)
    return target.value


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
        MatchAllocation.id,
        MatchAllocation.amount_fen,
        MatchAllocation.payment.settled_at.as_alias("settled_at"),
    ).where((MatchAllocation.pool == pool_id) & (MatchAllocation.payment.pledge.donor == donor_id))
    ids = [r["id"] for r in rows if _local_day(r["settled_at"]) == day]
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


async def matchable_fen(pool: PoolRow, gift: Gift) -> int:
    """How much the pool would match for the gift now: the ratio, under every cap."""
    return (await matchable(pool, gift))[0]


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
        used = await _donor_day_allocated(pool["id"], gift["donor"], _local_day(gift["settled_at"]))
        limits.append((pool["cap_per_donor_day_fen"] - used, "cap_per_donor_day"))
    amount, binding = min(limits, key=lambda limit: limit[0])
    return max(0, amount), binding


async def _released_by_project(pool_id: int, project_id: int) -> int:
    row = (
        await MatchRelease.select(Sum(MatchRelease.amount_fen).as_alias("t"))
        .where((MatchRelease.pool == pool_id) & (MatchRelease.project == project_id))
        .first()
    )
    return int(row["t"] or 0) if row else 0


async def settled_gift(payment_id: uuid.UUID) -> Gift:
    row = (
        await Payment.select(
            Payment.id,
            Payment.amount_fen,
            Payment.status,
            Payment.settled_at,
            Payment.created_at,
            Payment.pledge,
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
        pool = await _locked_pool(pool_id)
        gift = await settled_gift(payment_id)
        if gift["project"] is None:
            raise NotAllowed.on("payment_id", "gifts to the general fund are not matched")
        if gift["event"] != pool["event"]:
            raise NotAllowed.on("pool_id", "the pool matches gifts of another edition")
        return await allocate_locked(pool, gift, actor)
