"""Creating donors; they have no accounts, only signed links (see links.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from service.donors.records import FoundDonor
from service.donors.tables import Donor
from service.errors import InvalidInput
from service.orgs.uscc import UsccError, validate_uscc

ANONYMOUS_NAME = "爱心人士"


@dataclass(frozen=True)
class DonorDraft:
    kind: Donor.Kind
    display_name: str
    email: str | None = None
    phone: str | None = None
    receipt_title: str = ""
    uscc: str | None = None
    anonymous: bool = False
    wants_receipt: bool = True


def checked_uscc(draft: DonorDraft) -> str | None:
    if draft.kind is Donor.Kind.enterprise and not draft.uscc:
        raise InvalidInput.on("donor.uscc", "an enterprise donor needs its 统一社会信用代码")
    if draft.uscc is None:
        return None
    try:
        return validate_uscc(draft.uscc)
    except UsccError as exc:
        raise InvalidInput.on("donor.uscc", str(exc)) from exc


async def create_donor(draft: DonorDraft) -> uuid.UUID:
    donor = Donor(
        id=uuid.uuid4(),
        kind=draft.kind.value,
        display_name=draft.display_name.strip(),
        email=draft.email,
        phone=draft.phone,
        receipt_title=draft.receipt_title or draft.display_name,
        uscc=checked_uscc(draft),
        anonymous=draft.anonymous,
        wants_receipt=draft.wants_receipt,
    )
    await Donor.insert(donor)
    return donor.id


def public_name(display_name: str, anonymous: bool) -> str:
    return ANONYMOUS_NAME if anonymous else display_name


async def find_donors(query: str, limit: int = 10) -> list[FoundDonor]:
    """Donors whose name, phone, e-mail or receipt title contains `query` (on-stage search)."""
    text = query.strip()
    if not text:
        return []
    pattern = f"%{text}%"
    return (
        await Donor.select(
            Donor.id,
            Donor.kind,
            Donor.display_name,
            Donor.phone,
            Donor.email,
            Donor.receipt_title,
        )
        .where(
            Donor.display_name.ilike(pattern)
            | Donor.phone.ilike(pattern)
            | Donor.email.ilike(pattern)
            | Donor.receipt_title.ilike(pattern)
        )
        .order_by(Donor.created_at, ascending=False)
        .limit(limit)
    )


async def donor_exists(donor_id: uuid.UUID) -> bool:
    return await Donor.exists().where(Donor.id == donor_id)
