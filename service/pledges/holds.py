"""How long an unconfirmed online pledge holds its share of a project's target.

Anyone can pledge online without an account, so a pledge whose donor has not confirmed
their address (followed the mailed link) and has paid nothing holds capacity for
ONLINE_HOLD_HOURS only; then it lapses and the amount is open to others again.
"""

from __future__ import annotations

import datetime as dt
import uuid

from service.audit.services import SYSTEM, Actor
from service.db import write_transaction
from service.locks import lock_row
from service.payments.tables import Payment
from service.pledges.lifecycle import _close
from service.pledges.tables import Pledge
from service.settings import get_settings

Status = Pledge.Status


async def _unconfirmed(cutoff: dt.datetime) -> list[uuid.UUID]:
    rows = await Pledge.select(Pledge.id).where(
        (Pledge.channel == Pledge.Channel.online.value)
        & (Pledge.status == Status.pledged.value)
        & (Pledge.created_at < cutoff)
        & Pledge.donor.contact_confirmed_at.is_null()
        & Pledge.id.not_in(Payment.select(Payment.pledge))
    )
    return [row["id"] for row in rows]


async def release_unconfirmed(
    now: dt.datetime | None = None, actor: Actor = SYSTEM
) -> list[uuid.UUID]:
    """Lapse online pledges older than the hold whose donor never confirmed and that
    have no payment; one transaction each, re-checked under the pledge's row lock."""
    hours = get_settings().online_hold_hours
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(hours=hours)
    released = []
    for pledge_id in await _unconfirmed(cutoff):
        async with write_transaction():
            await lock_row(Pledge, pledge_id)
            if pledge_id not in await _unconfirmed(cutoff):
                continue
            await _close(
                pledge_id, Status.lapsed, f"contact not confirmed within {hours} hours", actor
            )
            released.append(pledge_id)
    return released
