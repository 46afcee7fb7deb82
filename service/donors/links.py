"""Signed, revocable donor links: the donor's only way in (no account, no password).

A token names the donor and the link version it was issued under, signed with
SECRET_KEY (HMAC-SHA256). Bumping `Donor.link_version` revokes every link issued before.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import uuid
from dataclasses import dataclass

from service.audit.services import Actor, record
from service.db import write_transaction
from service.donors.tables import Donor
from service.errors import InvalidInput, NotFound
from service.mail import templated_mail_message
from service.outbox.services import enqueue_many
from service.settings import get_settings

SIGNATURE_BYTES = 16


def _signature(donor_id: uuid.UUID, version: int, secret: str) -> str:
    message = f"donor-link:{donor_id.hex}:{version}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(donor_id: uuid.UUID, version: int) -> str:
    return f"{donor_id.hex}.{version}.{_signature(donor_id, version, get_settings().secret_key)}"


def link_url(token: str) -> str:
    return f"{get_settings().base_url}/donor/{token}"


def confirmation_code(donor_id: uuid.UUID, email: str) -> str:
    """Proof that a mail to `email` was opened: only that mail's link carries it (the page
    a pledge form redirects to does not), so following it confirms the address."""
    message = f"donor-contact:{donor_id.hex}:{email.strip().lower()}".encode()
    digest = hmac.new(get_settings().secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:SIGNATURE_BYTES]).rstrip(b"=").decode()


def confirming_link_url(token: str, donor_id: uuid.UUID, email: str) -> str:
    return f"{link_url(token)}?confirm={confirmation_code(donor_id, email)}"


async def confirm_contact(donor_id: uuid.UUID, code: str) -> bool:
    """Mark the donor's address confirmed when `code` was made for it; True if it was."""
    row = (
        await Donor.select(Donor.email, Donor.contact_confirmed_at)
        .where(Donor.id == donor_id)
        .first()
    )
    if row is None or not row["email"] or len(code) > 64:
        return False
    if not hmac.compare_digest(confirmation_code(donor_id, row["email"]), code):
        return False
    if row["contact_confirmed_at"] is None:
        await Donor.update({Donor.contact_confirmed_at: dt.datetime.now(dt.UTC)}).where(
            Donor.id == donor_id
        )
    return True


def _parse(token: str) -> tuple[uuid.UUID, int] | None:
    """(donor id, version) when the signature is right, else None."""
    parts = token.split(".")
    if len(parts) != 3 or len(token) > 120 or not parts[1].isdigit():
        return None
    try:
        donor_id = uuid.UUID(hex=parts[0])
    except ValueError:
        return None
    version = int(parts[1])
    expected = _signature(donor_id, version, get_settings().secret_key)
    if not hmac.compare_digest(expected, parts[2]):
        return None
    return donor_id, version


async def donor_for_token(token: str) -> uuid.UUID:
    """The donor a valid, unrevoked link names; NotFound otherwise (no hint which)."""
    parsed = _parse(token)
    if parsed is not None:
        donor_id, version = parsed
        row = await Donor.select(Donor.link_version).where(Donor.id == donor_id).first()
        if row is not None and row["link_version"] == version:
            return donor_id
    raise NotFound.on("token", "this donor link is not valid or has been revoked")


async def current_token(donor_id: uuid.UUID) -> str:
    row = await Donor.select(Donor.link_version).where(Donor.id == donor_id).first()
    if row is None:
        raise NotFound.on("donor_id", f"no donor {donor_id}")
    return make_token(donor_id, row["link_version"])


@dataclass(frozen=True)
class NewLink:
    link: str
    donor_name: str
    mailed_to: str | None
    """The address the new link was mailed to; None when not mailed (no address, or not
    asked): the organizer hands it over instead."""


async def reissue_link(donor_id: uuid.UUID, actor: Actor, reason: str, *, mail: bool) -> NewLink:
    """Revoke every link the donor has (a reason is required: it goes to the audit log)
    and, when asked and the donor gave an address, mail them the new one."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput.on(
            "reason", "say why the links are revoked (it is kept in the audit log)"
        )
    async with write_transaction():
        token = await revoke_links(donor_id, actor, reason)
        donor = (
            await Donor.select(Donor.email, Donor.display_name).where(Donor.id == donor_id).first()
        )
        assert donor is not None  # revoke_links found it
        link = link_url(token)
        mailed_to = donor["email"] if mail and donor["email"] else None
        if mailed_to:
            await enqueue_many(
                [
                    templated_mail_message(
                        "donor_link",
                        {"donor_name": donor["display_name"], "link": link},
                        to=mailed_to,
                        dedupe_key=f"donor-link:{token}",
                    )
                ]
            )
    return NewLink(link, donor["display_name"], mailed_to)


async def revoke_links(donor_id: uuid.UUID, actor: Actor, reason: str = "") -> str:
    """Invalidate every link issued so far; returns the new link's token."""
    async with write_transaction():
        updated = (
            await Donor.update({Donor.link_version: Donor.link_version + 1})
            .where(Donor.id == donor_id)
            .returning(Donor.link_version)
        )
        if not updated:
            raise NotFound.on("donor_id", f"no donor {donor_id}")
        await record(actor, "donor.revoke_links", "donor", donor_id, reason=reason)
    return make_token(donor_id, updated[0]["link_version"])
