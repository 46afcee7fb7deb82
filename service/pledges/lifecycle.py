"""Ending a pledge that will not be paid in full: cancelled (with a reason) or lapsed.

Either way the unpaid remainder is released from the project's pledged and receivable
accounts (`rules.pledge_released`); what was paid stays received.
"""

from __future__ import annotations

import datetime as dt
import uuid

from service import clock
from service.audit.services import SYSTEM, Actor, record
from service.db import write_transaction
from service.errors import InvalidInput, NotAllowed, NotFound
from service.ledger import rules
from service.locks import lock_row
from service.outbox.services import enqueue
from service.pledges.money import PAYABLE, outstanding, paid_fen, write_status
from service.pledges.tables import Pledge
from service.settings import get_settings

Status = Pledge.Status


async def _close(pledge_id: uuid.UUID, status: Pledge.Status, reason: str, actor: Actor) -> int:
    """Close one payable pledge; the released remainder in fen. Runs inside a transaction."""
    await lock_row(Pledge, pledge_id)
    pledge = (
        await Pledge.select(Pledge.amount_fen, Pledge.status, Pledge.event, Pledge.project)
        .where(Pledge.id == pledge_id)
        .first()
    )
    if pledge is None:
        raise NotFound.on("pledge_id", f"no pledge {pledge_id}")
    if pledge["status"] not in PAYABLE:
        raise NotAllowed.on("pledge_id", f"the pledge is already {pledge['status']}")
    remainder = outstanding(pledge["amount_fen"], await paid_fen(pledge_id), pledge["status"])
    if remainder > 0:
        await rules.pledge_released(
            pledge_id=pledge_id,
            event_id=pledge["event"],
            project_id=pledge["project"],
            amount_fen=remainder,
            reason=f"{status.value}: {reason}",
        )
    await write_status(pledge_id, status, dt.datetime.now(dt.UTC), reason)
    await record(
        actor,
        f"pledge.{status.value}",
        "pledge",
        pledge_id,
        reason=reason,
        data={"released_fen": remainder},
    )
    await enqueue(
        "live.pledge_released",
        {
            "pledge_id": str(pledge_id),
            "event_id": pledge["event"],
            "project_id": pledge["project"],
            "amount_fen": remainder,
            "status": status.value,
        },
        dedupe_key=f"live.pledge_released:{pledge_id}",
    )
    return remainder


async def cancel_pledge(pledge_id: uuid.UUID, reason: str, actor: Actor) -> int:
    """Cancel a pledge that is not fully paid; the released remainder in fen."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput.on("reason", "say why the pledge is cancelled")
    if len(reason) > 500:
        raise InvalidInput.on("reason", "at most 500 characters")
    async with write_transaction():
        return await _close(pledge_id, Status.cancelled, reason, actor)


def lapse_cutoff(today: dt.date) -> dt.date:
    """Pledges due before this day are past their due date plus the grace period."""
    return today - dt.timedelta(days=get_settings().pledge_grace_days)


async def lapse_overdue(today: dt.date | None = None, actor: Actor = SYSTEM) -> list[uuid.UUID]:
    """Lapse every payable pledge past its due date plus grace; one transaction each, so
    a payment recorded meanwhile wins (the pledge is re-read under its row lock)."""
    cutoff = lapse_cutoff(today or clock.today())
    rows = await Pledge.select(Pledge.id).where(
        Pledge.status.is_in(list(PAYABLE)) & (Pledge.due_on < cutoff)
    )
    lapsed = []
    for row in rows:
        async with write_transaction():
            await lock_row(Pledge, row["id"])
            current = (
                await Pledge.select(Pledge.status, Pledge.due_on)
                .where(Pledge.id == row["id"])
                .first()
            )
            if current is None or current["status"] not in PAYABLE or current["due_on"] >= cutoff:
                continue
            await _close(row["id"], Status.lapsed, f"unpaid {current['due_on']} + grace", actor)
            lapsed.append(row["id"])
    return lapsed
