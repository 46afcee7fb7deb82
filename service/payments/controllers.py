"""Payments over HTTP: Stripe webhooks, the donor's payment page, console refunds and
reconciliation. Thin: each handler calls one service."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template

from service.audit.services import Actor
from service.auth.guards import CurrentStaff, requires_financial_reader, requires_organizer
from service.bounds import OptionalEventNumber
from service.errors import InvalidInput
from service.events.lookup import event_id_or_404
from service.money import parse_yuan
from service.payments import capture, online, queries, reconcile, refunds, webhooks
from service.payments import stripe_gateway as gateway
from service.payments.offline_pages import OFFLINE_ROUTES
from service.payments.schemas import (
    CaptureIn,
    DifferenceOut,
    PaymentStartIn,
    PaymentStartOut,
    PaymentStatusOut,
    ReconciliationOut,
    RefundIn,
    RefundOut,
    SettleOut,
)
from service.payments.tables import Refund

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
DONOR = Actor("donor (online)")


class StripeWebhook(Controller):
    path = "/api/v1/webhooks/stripe"
    tags = ["payments"]

    @post("/", operation_id="stripeWebhook", status_code=200)
    async def receive(self, request: Request) -> dict[str, Any]:
        try:
            result = await webhooks.receive(
                await request.body(), request.headers.get("stripe-signature")
            )
        except gateway.BadSignature as exc:
            raise InvalidInput.on("Stripe-Signature", f"signature does not verify: {exc}") from exc
        return {"id": result.event_id, "outcome": result.outcome, "duplicate": result.duplicate}


class OnlinePaymentApi(Controller):
    tags = ["payments"]

    @post("/api/v1/pledges/{pledge_id:uuid}/payments", operation_id="startPayment")
    async def start(
        self, pledge_id: FromPath[uuid.UUID], data: JSONBody[PaymentStartIn]
    ) -> Response[PaymentStartOut]:
        started = await online.start_payment(pledge_id, data.method, data.payment_method)
        return Response(
            PaymentStartOut(
                payment_id=started.payment_id,
                status=started.status,
                client_secret=started.client_secret,
                requires_action=started.requires_action,
                failure=started.failure,
            ),
            status_code=201,
        )

    @post("/api/v1/payments/{payment_id:uuid}/sync", operation_id="syncPayment", status_code=200)
    async def sync(self, payment_id: FromPath[uuid.UUID]) -> PaymentStatusOut:
        return PaymentStatusOut(payment_id, await online.sync_payment(payment_id, DONOR))

    @post(
        "/api/v1/payments/{payment_id:uuid}/capture",
        operation_id="capturePayment",
        guards=[requires_organizer],
        status_code=200,
    )
    async def capture(
        self, payment_id: FromPath[uuid.UUID], data: JSONBody[CaptureIn], staff: CurrentStaff
    ) -> PaymentStatusOut:
        status = await capture.capture_payment(payment_id, staff.actor, data.amount_fen)
        return PaymentStatusOut(payment_id, status)

    @post(
        "/api/v1/payments/{payment_id:uuid}/cancel",
        operation_id="cancelPayment",
        guards=[requires_organizer],
        status_code=200,
    )
    async def cancel(
        self, payment_id: FromPath[uuid.UUID], staff: CurrentStaff
    ) -> PaymentStatusOut:
        return PaymentStatusOut(payment_id, await capture.cancel_payment(payment_id, staff.actor))

    @post(
        "/api/v1/payments/{payment_id:uuid}/refunds",
        operation_id="refundPayment",
        guards=[requires_organizer],
    )
    async def refund(
        self, payment_id: FromPath[uuid.UUID], data: JSONBody[RefundIn], staff: CurrentStaff
    ) -> Response[RefundOut]:
        refund_id = await refunds.refund_payment(
            payment_id, data.amount_fen, data.reason, staff.actor
        )
        row = await Refund.select().where(Refund.id == refund_id).first()
        assert row is not None
        return Response(
            RefundOut(refund_id, payment_id, row["amount_fen"], row["status"]), status_code=201
        )

    @get(
        "/api/v1/payments/reconciliation",
        operation_id="reconciliationReport",
        guards=[requires_financial_reader],
    )
    async def report(self, event: OptionalEventNumber = None) -> ReconciliationOut:
        event_id = await _event_id(event)
        differences = await reconcile.report(event_id)
        return ReconciliationOut([DifferenceOut(**d) for d in reconcile.as_dicts(differences)])

    @post(
        "/api/v1/payments/reconciliation/settle",
        operation_id="settleOpenPayments",
        guards=[requires_organizer],
        status_code=200,
    )
    async def settle(self, staff: CurrentStaff) -> SettleOut:
        summary = await reconcile.settle_open_payments(staff.actor)
        return SettleOut(summary.checked, summary.changed, summary.captured, summary.errors)


async def _event_id(number: int | None) -> int | None:
    if number is None:
        return None
    return await event_id_or_404(number)


class PaymentPages(Controller):
    include_in_schema = False

    @get("/pledges/{pledge_id:uuid}/pay", name="pay_pledge")
    async def pay(self, pledge_id: FromPath[uuid.UUID]) -> Template:
        return Template(
            "payments/pay.html",
            context={"pledge": await queries.pledge_to_pay(pledge_id), "stripe": gateway.config()},
        )

    @get("/pledges/{pledge_id:uuid}/pay/done")
    async def done(
        self, pledge_id: FromPath[uuid.UUID], payment_intent: FromQuery[str | None] = None
    ) -> Template:
        status = None
        if payment_intent:
            try:
                status = await online.sync_intent(payment_intent, DONOR)
            except online.ProviderUnavailable:
                status = "pending"  # the reconciliation job settles it later
        return Template(
            "payments/pay_done.html",
            context={"pledge": await queries.pledge_to_pay(pledge_id), "status": status},
        )

    @get(
        "/console/payments/{payment_id:uuid}",
        name="console_payment",
        guards=[requires_financial_reader],
    )
    async def detail(self, payment_id: FromPath[uuid.UUID], staff: CurrentStaff) -> Template:
        return Template(
            "payments/detail.html",
            context={"payment": await queries.payment_detail(payment_id), "staff": staff},
        )

    @get("/console/payments/{payment_id:uuid}/refund", guards=[requires_organizer])
    async def refund_form(self, payment_id: FromPath[uuid.UUID]) -> Template:
        return Template(
            "payments/refund.html",
            context={"payment": await queries.payment_detail(payment_id), "errors": []},
        )

    @post("/console/payments/{payment_id:uuid}/refund", guards=[requires_organizer])
    async def refund_submit(
        self, payment_id: FromPath[uuid.UUID], data: Form, staff: CurrentStaff
    ) -> Redirect:
        text = str(data.get("amount_yuan", "")).strip()
        try:
            amount = parse_yuan(text) if text else None
        except ValueError as exc:
            raise InvalidInput.on("amount_yuan", f"not an amount: {text}") from exc
        await refunds.refund_payment(payment_id, amount, str(data.get("reason", "")), staff.actor)
        return Redirect(f"/console/payments/{payment_id}", status_code=303)

    @post("/console/payments/{payment_id:uuid}/capture", guards=[requires_organizer])
    async def capture_submit(
        self, payment_id: FromPath[uuid.UUID], data: Form, staff: CurrentStaff
    ) -> Redirect:
        text = str(data.get("amount_yuan", "")).strip()
        amount = parse_yuan(text) if text else None
        await capture.capture_payment(payment_id, staff.actor, amount)
        return Redirect(f"/console/payments/{payment_id}", status_code=303)

    @post("/console/payments/{payment_id:uuid}/cancel", guards=[requires_organizer])
    async def cancel_submit(self, payment_id: FromPath[uuid.UUID], staff: CurrentStaff) -> Redirect:
        await capture.cancel_payment(payment_id, staff.actor)
        return Redirect(f"/console/payments/{payment_id}", status_code=303)

    @get("/console/payments/reconciliation", guards=[requires_financial_reader])
    async def reconciliation(
        self, staff: CurrentStaff, event: OptionalEventNumber = None
    ) -> Template:
        differences = await reconcile.report(await _event_id(event))
        return Template(
            "payments/reconciliation.html",
            context={"differences": differences, "event": event, "staff": staff},
        )

    @post("/console/payments/reconciliation/settle", guards=[requires_organizer])
    async def settle_submit(self, staff: CurrentStaff) -> Redirect:
        await reconcile.settle_open_payments(staff.actor)
        return Redirect("/console/payments/reconciliation", status_code=303)


ROUTES = [StripeWebhook, OnlinePaymentApi, PaymentPages, *OFFLINE_ROUTES]
