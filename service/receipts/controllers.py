"""Receipts: the public verification page and the organizers' console page."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from service.auth.guards import CurrentStaff, requires_organizer
from service.bounds import OptionalEventNumber
from service.receipts import documents, services
from service.receipts.pdf import render_receipt
from service.settings import get_settings

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


class ReceiptVerifyPage(Controller):
    path = "/receipts"
    include_in_schema = False

    @get("/verify", name="receipt_verify")
    async def verify(self, number: FromQuery[str] = "", code: FromQuery[str] = "") -> Template:
        result = None
        if number or code:
            result = await documents.verify(number, code, get_settings().receipt_issuer)
        return Template(
            "receipts/verify.html", context={"result": result, "number": number, "code": code}
        )


class ConsoleReceipts(Controller):
    path = "/console/receipts"
    guards = [requires_organizer]
    include_in_schema = False

    @get("/", name="console_receipts")
    async def index(self, event: OptionalEventNumber = None) -> Template:
        rows = await documents.list_receipts(event)
        return Template("console/receipts.html", context={"receipts": rows, "event": event})

    @get("/{receipt_id:uuid}/pdf")
    async def pdf(self, receipt_id: FromPath[uuid.UUID]) -> Response[bytes]:
        settings = get_settings()
        document = await documents.receipt_document(receipt_id, settings.receipt_issuer)
        return Response(
            render_receipt(document, settings.base_url),
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="receipt-{document.display_number}.pdf"'
            },
        )

    @post("/{receipt_id:uuid}/resend")
    async def resend(self, receipt_id: FromPath[uuid.UUID], staff: CurrentStaff) -> Redirect:
        await services.resend_copy(receipt_id, staff.actor)
        return Redirect("/console/receipts", status_code=303)

    @post("/{receipt_id:uuid}/void")
    async def void(
        self, receipt_id: FromPath[uuid.UUID], staff: CurrentStaff, data: Form
    ) -> Redirect:
        await services.void_receipt(
            receipt_id,
            str(data.get("reason", "")),
            staff.actor,
            reissue=str(data.get("reissue", "")) == "1",
            title=str(data.get("title", "")) or None,
        )
        return Redirect("/console/receipts", status_code=303)


ROUTES = [ReceiptVerifyPage, ConsoleReceipts]
