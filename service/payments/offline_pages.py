"""Console pages for money received offline: bank transfers and cash.

Part of the payments domain's ROUTES (`payments/controllers.py`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from service import clock
from service.auth.guards import CurrentStaff, requires_organizer
from service.errors import DomainError, InvalidInput
from service.payments.services import OfflinePayment, record_offline_payment
from service.payments.tables import Payment
from service.pledges.services import get_pledge
from service.pledges.tracking import find_open_pledges
from service.web.forms import date_field, text, yuan_field

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidInput.on(field, "pick a pledge from the list") from exc


async def _payments_page(
    q: str = "",
    pledge: uuid.UUID | None = None,
    *,
    done: uuid.UUID | None = None,
    errors: list | None = None,
    values: dict | None = None,
    status_code: int = 200,
) -> Template:
    return Template(
        "console/payments.html",
        context={
            "q": q,
            "matches": await find_open_pledges(q) if q else [],
            "pledge": await get_pledge(pledge) if pledge else None,
            "done": await get_pledge(done) if done else None,
            "errors": errors or [],
            "values": values or {},
            "today": clock.today(),
        },
        status_code=status_code,
    )


class OfflinePaymentPages(Controller):
    path = "/console/payments"
    include_in_schema = False
    guards = [requires_organizer]

    @get("/", name="payments")
    async def page(
        self,
        q: FromQuery[str] = "",
        pledge: FromQuery[uuid.UUID | None] = None,
        done: FromQuery[uuid.UUID | None] = None,
    ) -> Template:
        return await _payments_page(q[:100], pledge, done=done)

    @post("/offline")
    async def record(self, data: Form, staff: CurrentStaff) -> Response[Any]:
        pledge_text = text(data, "pledge_id")
        try:
            pledge_id = _uuid(pledge_text, "pledge_id")
            provider = text(data, "provider")
            if provider not in ("bank", "cash"):
                raise InvalidInput.on("provider", "bank transfer or cash")
            amount = yuan_field(data, "amount")
            if amount is None:
                raise InvalidInput.on("amount_fen", "enter the amount received")
            await record_offline_payment(
                OfflinePayment(
                    pledge_id=pledge_id,
                    provider=Payment.Provider(provider),
                    amount_fen=amount,
                    reference=text(data, "reference")[:200],
                    received_on=date_field(data, "received_on") or clock.today(),
                ),
                staff.actor,
            )
        except DomainError as exc:
            values = {k: text(data, k) for k in data if k != "_csrf_token"}
            try:
                pledge = uuid.UUID(pledge_text)
            except ValueError:
                pledge = None
            return await _payments_page(
                pledge=pledge,
                errors=exc.errors or [{"field": "form", "message": exc.detail}],
                values=values,
                status_code=exc.status,
            )
        return Redirect(f"/console/payments?done={pledge_id}", status_code=303)


OFFLINE_ROUTES = [OfflinePaymentPages]  # statements: service/statements/controllers.py
