"""Donors' personal data: erasure on request, erasure of contacts after a retention
period, and a record of every staff view of donors' contacts.

Erasure keeps the money trail whole: the ledger never held names, and pledges, payments
and receipts stay, their donor now titled 爱心人士 (receipts included); only the name,
contact, receipt title and free-text messages go, and the donor's links stop working.
"""

from __future__ import annotations

import datetime as dt
import uuid

from service import clock
from service.audit.services import SYSTEM, Actor, record
from service.db import write_transaction
from service.donors.services import ANONYMOUS_NAME
from service.donors.tables import Donor
from service.errors import InvalidInput, NotFound
from service.events.tables import Event
from service.pledges.tables import Pledge
from service.receipts.tables import Receipt
from service.settings import get_settings

CLOSED_EVENTS = (
    Event.Status.closed.value,
    Event.Status.reporting.value,
    Event.Status.archived.value,
)


async def erase_donor(donor_id: uuid.UUID, actor: Actor, reason: str) -> None:
    """Replace the donor's name and contact (their request, or an organizer's decision)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput.on(
            "reason", "say why the donor's data is erased (kept in the audit log)"
        )
    async with write_transaction():
        updated = (
            await Donor.update(
                {
                    Donor.display_name: ANONYMOUS_NAME,
                    Donor.receipt_title: ANONYMOUS_NAME,
                    Donor.email: None,
                    Donor.phone: None,
                    Donor.anonymous: True,
                    Donor.contact_confirmed_at: None,
                    Donor.erased_at: dt.datetime.now(dt.UTC),
                    Donor.link_version: Donor.link_version + 1,
                }
            )
            .where(Donor.id == donor_id)
            .returning(Donor.id)
        )
        if not updated:
            raise NotFound.on("donor_id", f"no donor {donor_id}")
        await Pledge.update({Pledge.message: ""}).where(Pledge.donor == donor_id)
        await Receipt.update({Receipt.title: ANONYMOUS_NAME}).where(Receipt.donor == donor_id)
        await record(actor, "donor.erase", "donor", donor_id, reason=reason)


async def erase_expired_contacts(today: dt.date | None = None, actor: Actor = SYSTEM) -> int:
    """Erase the e-mail and phone of donors whose every pledge belongs to an edition that
    is closed and was held more than RETENTION_DAYS ago; the number of donors."""
    today = today or clock.today()
    cutoff = today - dt.timedelta(days=get_settings().retention_days)
    expired = Event.select(Event.id).where(
        Event.status.is_in(list(CLOSED_EVENTS)) & (Event.held_on < cutoff)
    )
    still_needed = Pledge.select(Pledge.donor).where(Pledge.event.not_in(expired))
    async with write_transaction():
        rows = (
            await Donor.update({Donor.email: None, Donor.phone: None})
            .where(
                (Donor.email.is_not_null() | Donor.phone.is_not_null())
                & Donor.id.is_in(Pledge.select(Pledge.donor).where(Pledge.event.is_in(expired)))
                & Donor.id.not_in(still_needed)
            )
            .returning(Donor.id)
        )
        if rows:
            await record(
                actor,
                "donor.contacts_expired",
                "donor",
                "*",
                reason=f"editions closed and held before {cutoff}",
                data={"donors": len(rows)},
            )
    return len(rows)


async def log_contact_view(actor: Actor, view: str, event_number: int, shown: int) -> None:
    """Record that a staff member was shown donors' contacts (who, where, how many)."""
    if shown:
        await record(
            actor,
            "donor.contacts_viewed",
            "event",
            event_number,
            data={"view": view, "contacts": shown},
        )
