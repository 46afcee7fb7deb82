"""Telling a donor about their pledge: the confirmation mail carrying their signed link."""

from __future__ import annotations

import uuid

from service.donors.links import confirming_link_url, link_url, make_token
from service.donors.tables import Donor
from service.mail import templated_mail_message
from service.outbox.services import Message, enqueue_many
from service.pledges.codes import pledge_code as pledge_code  # kept importable
from service.pledges.records import ConfirmationPledge
from service.pledges.tables import Pledge


async def queue_confirmation(pledge_id: uuid.UUID, donor_id: uuid.UUID) -> bool:
    """Queue the confirmation (inside the caller's transaction); False without an address."""
    donor = (
        await Donor.select(
            Donor.email, Donor.display_name, Donor.link_version, Donor.contact_confirmed_at
        )
        .where(Donor.id == donor_id)
        .first()
    )
    if donor is None or not donor["email"]:
        return False
    pledge = (
        await Pledge.select(
            Pledge.amount_fen,
            Pledge.due_on,
            Pledge.channel,
            Pledge.project.title.as_alias("project_title"),
            Pledge.event.title.as_alias("event_title"),
        )
        .where(Pledge.id == pledge_id)
        .first()
    )
    assert pledge is not None
    await queue_confirmation_mail(
        pledge_id,
        to=donor["email"],
        donor_name=donor["display_name"],
        link_version=donor["link_version"],
        pledge=pledge,
        donor_id=donor_id,
        confirmed=donor["contact_confirmed_at"] is not None,
    )
    return True


async def queue_confirmation_mail(
    pledge_id: uuid.UUID,
    *,
    to: str,
    donor_name: str,
    link_version: int,
    pledge: ConfirmationPledge,
    donor_id: uuid.UUID | None = None,
    confirmed: bool = False,
) -> None:
    """Queue the mail from values the caller already has (`pledge`: amount_fen, due_on,
    channel, project_title, event_title). The donor id defaults to the pledge's donor."""
    if donor_id is None:
        row = await Pledge.select(Pledge.donor).where(Pledge.id == pledge_id).first()
        assert row is not None
        donor_id = row["donor"]
    await enqueue_many(
        [
            confirmation_message(
                pledge_id, donor_id, to, donor_name, link_version, pledge, confirmed=confirmed
            )
        ]
    )


def confirmation_message(
    pledge_id: uuid.UUID,
    donor_id: uuid.UUID,
    to: str,
    donor_name: str,
    link_version: int,
    pledge: ConfirmationPledge,
    *,
    confirmed: bool = False,
) -> Message:
    """The confirmation as an outbox message, for a caller writing several at once;
    rendered by the relay, so a pledge request does not spend its time on templates.

    Until the address is confirmed the mail carries nothing the requester typed — no
    name, no message; only our texts, the amount and the project — so the pledge form
    cannot be used to send someone else a text of one's choosing. Its link confirms the
    address when followed."""
    token = make_token(donor_id, link_version)
    return templated_mail_message(
        "pledge_confirmation",
        {
            "donor_name": donor_name if confirmed else "",
            "pledge": pledge,
            "pledge_code": pledge_code(pledge_id),
            "link": link_url(token) if confirmed else confirming_link_url(token, donor_id, to),
        },
        to=to,
        dedupe_key=f"pledge-confirmation:{pledge_id}",
    )
