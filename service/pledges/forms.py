"""Turning posted pledge forms into the same drafts the JSON API builds (the generic
form helpers are service/web/forms.py)."""

from __future__ import annotations

from typing import Any

from service.donors.services import DonorDraft
from service.donors.tables import Donor
from service.errors import InvalidInput
from service.pledges.schemas import DonorIn, PledgeCreate
from service.pledges.services import PledgeDraft
from service.web.forms import checked, text, validated, yuan_field
from service.web.forms import date_field as date_field  # kept importable


def donor_fields(form: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": text(form, "kind") or "individual",
        "display_name": text(form, "display_name"),
        "email": text(form, "email") or None,
        "phone": text(form, "phone") or None,
        "receipt_title": text(form, "receipt_title"),
        "uscc": text(form, "uscc") or None,
        "anonymous": checked(form, "anonymous"),
        "wants_receipt": not checked(form, "no_receipt"),
    }


def public_pledge(form: dict[str, Any], event_number: int, project_id: int) -> PledgeCreate:
    amount = yuan_field(form, "amount")
    if amount is None:
        raise InvalidInput.on("amount_fen", "enter an amount")
    return validated(
        {
            "event": event_number,
            "project_id": project_id,
            "amount_fen": amount,
            "allow_general_fund": checked(form, "allow_general_fund"),
            "message": text(form, "message"),
            "donor": donor_fields(form),
        },
        PledgeCreate,
    )


def new_donor(donor: DonorIn, *, contact_field: str, contact_message: str) -> DonorDraft:
    """A new donor from validated input; it needs a way to be reached."""
    if not (donor.email or donor.phone):
        raise InvalidInput.on(contact_field, contact_message)
    return DonorDraft(
        kind=Donor.Kind(donor.kind),
        display_name=donor.display_name,
        email=donor.email,
        phone=donor.phone,
        receipt_title=donor.receipt_title,
        uscc=donor.uscc,
        anonymous=donor.anonymous,
        wants_receipt=donor.wants_receipt,
    )


def to_draft(data: PledgeCreate) -> PledgeDraft:
    """The service's draft from a validated API body or form."""
    donor = new_donor(
        data.donor,
        contact_field="donor.email",
        contact_message="give an e-mail address or a phone number",
    )
    return PledgeDraft(
        event_number=data.event,
        project_id=data.project_id,
        amount_fen=data.amount_fen,
        whole_project=data.whole_project,
        allow_general_fund=data.allow_general_fund,
        message=data.message,
        donor=donor,
    )
