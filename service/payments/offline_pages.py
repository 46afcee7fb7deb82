"""Console pages for money received offline: bank transfers and cash, bank statements.

Registered through `service.pledges.controllers.ROUTES` (OFFLINE_ROUTES), so this module
and the Stripe controllers in `payments/controllers.py` stay independent."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from service import clock
from service.auth.guards import CurrentStaff, requires_organizer
from service.errors import DomainError, InvalidInput
from service.payments import bank_statements
from service.payments.services import OfflinePayment, record_offline_payment
from service.payments.tables import Payment
from service.pledges.forms import date_field, text, yuan_field
from service.pledges.services import get_pledge
from service.pledges.tracking import find_open_pledges

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidInput.on(field, "pick a pledge from the list") from exc


async def _resolve_pledge(value: str) -> uuid.UUID:
    """A pledge id, or a pledge code (MS1A2B3C4D) naming exactly one open pledge."""
    try:
        return uuid.UUID(value)
    except ValueError:
        matches = await find_open_pledges(value) if value.upper().startswith("MS") else []
        if len(matches) != 1:
            raise InvalidInput.on("pledge_id", "enter a pledge code or id") from None
        return matches[0]["id"]


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


class BankStatementPages(Controller):
    path = "/console/bank-statements"
    include_in_schema = False
    guards = [requires_organizer]

    @get("/", name="bank-statements")
    async def page(self) -> Template:
        return await self._page()

    async def _page(self, result: Any = None, errors: list | None = None, status: int = 200):
        return Template(
            "console/bank_statements.html",
            context={
                "lines": await bank_statements.statement_lines(),
                "result": result,
                "errors": errors or [],
            },
            status_code=status,
        )

    @post("/")
    async def upload(self, data: Upload, staff: CurrentStaff) -> Template:
        file = data.get("file")
        if not isinstance(file, UploadFile):
            return await self._page(
                errors=[{"field": "file", "message": "choose a CSV file"}], status=400
            )
        try:
            result = await bank_statements.import_statement(await file.read(), staff.actor)
        except DomainError as exc:
            return await self._page(
                errors=[{"field": e.field, "message": e.message} for e in exc.errors],
                status=exc.status,
            )
        return await self._page(result=result)

    @post("/{line_id:int}/confirm")
    async def confirm(self, line_id: FromPath[int], data: Form, staff: CurrentStaff) -> Redirect:
        pledge_id = await _resolve_pledge(text(data, "pledge_id"))
        await bank_statements.confirm_line(line_id, pledge_id, staff.actor)
        return Redirect("/console/bank-statements", status_code=303)

    @post("/{line_id:int}/ignore")
    async def ignore(self, line_id: FromPath[int], data: Form, staff: CurrentStaff) -> Redirect:
        await bank_statements.ignore_line(line_id, staff.actor, text(data, "reason"))
        return Redirect("/console/bank-statements", status_code=303)


OFFLINE_ROUTES = [OfflinePaymentPages, BankStatementPages]
