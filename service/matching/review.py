"""The organizer's review of matches an abuse rule held (service/matching/abuse.py):
release (matched now, as far as the pool allows) or refuse, each with a reason written to
the audit log in the same transaction."""

from __future__ import annotations

import datetime as dt
import uuid

from service.audit.services import Actor, record
from service.db import write_transaction
from service.errors import InvalidInput, NotAllowed, NotFound
from service.i18n import gettext as _
from service.locks import lock_row
from service.matching.allocation import announce, reason_text
from service.matching.draws import AllocationResult, allocate_locked, settled_gift
from service.matching.locking import serialize_with_postings
from service.matching.records import DecisionRow, ReleaseOutcome
from service.matching.tables import MatchDecision, MatchingPool
from service.payments.refunds import refunded_fen

Outcome = MatchDecision.Outcome


async def _held(decision_id: uuid.UUID) -> DecisionRow:
    await lock_row(MatchDecision, decision_id)
    decision = await MatchDecision.select().where(MatchDecision.id == decision_id).first()
    if decision is None:
        raise NotFound.on("decision_id", _("没有这条配捐记录。"))
    if decision["outcome"] != Outcome.held.value:
        raise NotAllowed.on("decision_id", _("这笔配捐不在待审核状态。"))
    return decision


async def release_held(decision_id: uuid.UUID, reason: str, actor: Actor) -> ReleaseOutcome:
    """An organizer clears a held gift: it is matched now, as far as the pool allows, on
    what is left of the gift after refunds."""
    if not reason.strip():
        raise InvalidInput.on("reason", _("请填写放行配捐的原因。"))
    async with write_transaction():
        await serialize_with_postings()
        decision = await _held(decision_id)
        await lock_row(MatchingPool, decision["pool"])
        pool = await MatchingPool.select().where(MatchingPool.id == decision["pool"]).first()
        gift = await settled_gift(decision["payment"])
        # A refund while the match was held released nothing (there was no allocation):
        # the match is what the gift still earns.
        left = gift["amount_fen"] - await refunded_fen(gift["id"])
        if left > 0:
            result = await allocate_locked(pool, {**gift, "amount_fen": left}, actor)
        else:
            result = AllocationResult(None, 0, created=False, reason="refunded")
        note = "" if result.amount_fen else reason_text(result.reason, pool)
        await MatchDecision.update(
            {
                MatchDecision.outcome: Outcome.released.value,
                MatchDecision.matched_fen: result.amount_fen,
                MatchDecision.allocation: result.allocation_id,
                MatchDecision.reviewed_by: actor.user_id,
                MatchDecision.reviewed_at: dt.datetime.now(dt.UTC),
                MatchDecision.review_reason: reason.strip(),
                MatchDecision.reason: f"{decision['reason']}; {note}"
                if note
                else decision["reason"],
            }
        ).where(MatchDecision.id == decision_id)
        await record(
            actor,
            "matching.hold.release",
            "payment",
            decision["payment"],
            reason=reason.strip(),
            data={"pool": pool["id"], "matched_fen": result.amount_fen},
        )
        if result.amount_fen:
            await announce(pool, gift, result.amount_fen)
    return {"matched_fen": result.amount_fen, "outcome": Outcome.released.value}


async def refuse_held(decision_id: uuid.UUID, reason: str, actor: Actor) -> None:
    """An organizer refuses a held gift's match; the reason goes to the audit log."""
    if not reason.strip():
        raise InvalidInput.on("reason", _("请填写拒绝配捐的原因。"))
    async with write_transaction():
        decision = await _held(decision_id)
        await MatchDecision.update(
            {
                MatchDecision.outcome: Outcome.refused.value,
                MatchDecision.reviewed_by: actor.user_id,
                MatchDecision.reviewed_at: dt.datetime.now(dt.UTC),
                MatchDecision.review_reason: reason.strip(),
            }
        ).where(MatchDecision.id == decision_id)
        await record(
            actor,
            "matching.hold.refuse",
            "payment",
            decision["payment"],
            reason=reason.strip(),
            data={"pool": decision["pool"]},
        )
