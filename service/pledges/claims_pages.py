"""On-stage claims (举牌认领): the organizer's keyboard-first page for the live meeting."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from service import clock
from service.auth.guards import CurrentStaff, requires_organizer
from service.bounds import OptionalEventNumber
from service.donors.privacy import log_contact_view
from service.donors.services import DonorDraft, find_donors
from service.errors import DomainError, InvalidInput
from service.pledges import services
from service.pledges.forms import (
    date_field,
    donor_fields,
    new_donor,
    text,
    validated,
    yuan_field,
)
from service.pledges.schemas import DonorIn
from service.pledges.tables import Pledge
from service.pledges.tracking import claimable_projects, console_event, recent_pledges
from service.settings import get_settings

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _donor(form: dict[str, Any]) -> tuple[uuid.UUID | None, DonorDraft | None]:
    """An existing donor picked from the search, or a new one from the typed fields."""
    picked = text(form, "donor_id")
    if picked:
        try:
            return uuid.UUID(picked), None
        except ValueError as exc:
            raise InvalidInput.on("donor_id", "pick the donor again") from exc
    fields = donor_fields(form)
    fields["display_name"] = fields["display_name"] or text(form, "donor_query")
    return None, new_donor(
        validated(fields, DonorIn),
        contact_field="phone",
        contact_message="a new donor needs a phone number or an e-mail address",
    )


def claim_draft(form: dict[str, Any], event_number: int) -> services.PledgeDraft:
    project = text(form, "project_id")
    if not project.isdigit():
        raise InvalidInput.on("project_id", "pick a project")
    whole = text(form, "whole_project") in {"1", "on"}
    amount = None if whole else yuan_field(form, "amount")
    if not whole and amount is None:
        raise InvalidInput.on("amount_fen", "enter an amount or claim the whole project")
    donor_id, donor = _donor(form)
    due_on = date_field(form, "due_on") or clock.today() + dt.timedelta(
        days=get_settings().pledge_due_days
    )
    if due_on < clock.today():
        raise InvalidInput.on("due_on", "the due date is in the past")
    return services.PledgeDraft(
        event_number=event_number,
        project_id=int(project),
        donor=donor,  # type: ignore[arg-type]  # None when an existing donor is picked
        donor_id=donor_id,
        amount_fen=amount,
        whole_project=whole,
        allow_general_fund=text(form, "allow_general_fund") in {"1", "on"},
        message=text(form, "message"),
        channel=Pledge.Channel.on_stage,
        due_on=due_on,
    )


async def _page(
    event_number: int | None,
    *,
    done: uuid.UUID | None = None,
    errors: list | None = None,
    values: dict | None = None,
    status_code: int = 200,
) -> Template:
    event = await console_event(event_number)
    last = await services.get_pledge(done) if done else None
    return Template(
        "console/claims.html",
        context={
            "event": event,
            "projects": await claimable_projects(event["id"]),
            "recent": await recent_pledges(event["id"], Pledge.Channel.on_stage.value),
            "last": last,
            "errors": errors or [],
            "values": values or {},
            "default_due": clock.today() + dt.timedelta(days=get_settings().pledge_due_days),
        },
        status_code=status_code,
    )


class ClaimPages(Controller):
    path = "/console/claims"
    include_in_schema = False
    guards = [requires_organizer]

    @get("/", name="claims")
    async def page(
        self, event: OptionalEventNumber = None, done: FromQuery[uuid.UUID | None] = None
    ) -> Template:
        return await _page(event, done=done)

    @get("/donors")
    async def donors(self, staff: CurrentStaff, q: FromQuery[str] = "") -> list[dict[str, Any]]:
        """Donor search for the claim form (name, phone, e-mail or receipt title); the
        contacts shown are written to the audit log."""
        found = await find_donors(q.split(" · ")[0][:50])
        shown = sum(1 for row in found if row["phone"] or row["email"])
        await log_contact_view(staff.actor, "claims donor search", 0, shown)
        return [
            {
                "id": str(row["id"]),
                "label": " · ".join(
                    part for part in (row["display_name"], row["phone"] or row["email"]) if part
                ),
                "kind": row["kind"],
            }
            # a picked option reads "name · phone": search by its first part
            for row in found
        ]

    @post("/")
    async def claim(self, data: Form, staff: CurrentStaff) -> Response[Any]:
        event = await console_event(
            int(text(data, "event")) if text(data, "event").isdigit() else None
        )
        key = text(data, "form_key")
        try:
            result = await services.create_pledge(
                claim_draft(data, event["number"]),
                staff.actor,
                f"claim:{key}" if 8 <= len(key) <= 64 and key.isalnum() else None,
                notify_donor=True,
            )
        except DomainError as exc:
            values = {k: text(data, k) for k in data if k != "_csrf_token"}
            return await _page(
                event["number"],
                errors=exc.errors or [{"field": "form", "message": exc.detail}],
                values=values,
                status_code=exc.status,
            )
        return Redirect(
            f"/console/claims?event={event['number']}&done={result.pledge_id}", status_code=303
        )
