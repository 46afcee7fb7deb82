"""Turning posted HTML forms into the same drafts the JSON API builds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from service.donors.services import DonorDraft
from service.donors.tables import Donor
from service.errors import FieldError, InvalidInput
from service.money import MoneyError, parse_yuan
from service.pledges.schemas import DonorIn, PledgeCreate
from service.pledges.services import PledgeDraft

MAX_FORM_TEXT = 2000


def text(form: dict[str, Any], name: str) -> str:
    value = form.get(name)
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value or "").strip()[:MAX_FORM_TEXT]


def checked(form: dict[str, Any], name: str) -> bool:
    return text(form, name) in {"1", "on", "true", "yes"}


def yuan_field(form: dict[str, Any], name: str, field: str = "amount_fen") -> int | None:
    raw = text(form, name)
    if not raw:
        return None
    try:
        return parse_yuan(raw)
    except MoneyError as exc:
        raise InvalidInput.on(field, str(exc)) from exc


def date_field(form: dict[str, Any], name: str) -> dt.date | None:
    raw = text(form, name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput.on(name, "expected a date like 2026-12-31") from exc


def validated(data: dict[str, Any], schema: type) -> Any:
    """msgspec validation with the API's field errors."""
    try:
        return msgspec.convert(data, schema)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = message.rsplit("at `$.", 1)[-1].rstrip("`") if "at `$." in message else "form"
        raise InvalidInput("the form is not valid", [FieldError(field, message)]) from exc


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
