"""Online payments through Stripe: start, settle from what Stripe says, capture, cancel.

The one rule: our state follows Stripe's, re-read from Stripe (`sync_payment`), never a
webhook body. `apply_intent` moves a payment forward under a row lock; the ledger keys
make every posting idempotent, so applying the same view twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from service.audit.services import SYSTEM, Actor, record
from service.db import write_transaction
from service.errors import DomainError, InvalidInput, NotAllowed, NotFound
from service.events.tables import Event
from service.ledger import rules
from service.locks import lock_row
from service.mail import Mail, queue_mail, render_mail
from service.payments import refunds as refund_booking
from service.payments import stripe_gateway as gateway
from service.payments.records import LoadedPayment, PledgeToCharge
from service.payments.settlement import Settlement, flag, settle
from service.payments.tables import Payment
from service.pledges.money import PAYABLE, due_now, held_fen, paid_fen
from service.pledges.tables import Pledge
from service.settings import get_settings

Status = Payment.Status
STRIPE = Payment.Provider.stripe.value
DONOR = Actor("donor (online)")
OPEN_STATUSES = (Status.pending.value, Status.requires_capture.value)

_STRIPE_TO_OURS = {
    "requires_payment_method": Status.pending,
    "requires_confirmation": Status.pending,
    "requires_action": Status.pending,
    "processing": Status.pending,
    "requires_capture": Status.requires_capture,
    "succeeded": Status.succeeded,
    "canceled": Status.canceled,
}


class ProviderUnavailable(DomainError):
    """Stripe could not be asked (outage, network); the caller may try again later."""

    status = 503


@dataclass(frozen=True)
class PaymentStart:
    payment_id: uuid.UUID
    status: str
    client_secret: str | None
    requires_action: bool
    failure: str = ""


def our_status(view: gateway.IntentView) -> Payment.Status:
    status = _STRIPE_TO_OURS.get(view.status, Status.pending)
    if status is Status.pending and view.status == "requires_payment_method" and view.failure:
        return Status.failed
    return status


async def _pledge(pledge_id: uuid.UUID) -> PledgeToCharge:
    pledge = (
        await Pledge.select(
            Pledge.id,
            Pledge.amount_fen,
            Pledge.status,
            Pledge.event,
            Pledge.project,
            Pledge.event.capture_policy.as_alias("capture_policy"),
        )
        .where(Pledge.id == pledge_id)
        .first()
    )
    if pledge is None:
        raise NotFound.on("pledge_id", f"no pledge {pledge_id}")
    return pledge


async def outstanding_fen(pledge_id: uuid.UUID) -> int:
    """What a new attempt may ask for (`pledges.money.due_now`)."""
    pledge = await _pledge(pledge_id)
    return due_now(
        pledge["amount_fen"], await paid_fen(pledge_id), await held_fen(pledge_id), pledge["status"]
    )


async def start_payment(
    pledge_id: uuid.UUID, method_type: str = "card", payment_method: str | None = None
) -> PaymentStart:
    """A new attempt at the pledge's outstanding amount. With `payment_method` (a card
    or PaymentMethod id from Stripe.js) it is confirmed at once; without, the page's
    Payment Element confirms it with the returned client secret."""
    cfg = gateway.config()
    if not cfg.enabled:
        raise NotAllowed.on("provider", "online payment is not available; pay by bank transfer")
    if method_type not in cfg.payment_methods:
        raise InvalidInput.on("method", f"{method_type} is not offered")
    if payment_method is not None and method_type != "card":
        raise InvalidInput.on("payment_method", "only a card is confirmed at once")
    payment_id = uuid.uuid4()
    async with write_transaction():
        await lock_row(Pledge, pledge_id)
        pledge = await _pledge(pledge_id)
        if pledge["status"] not in PAYABLE:
            raise NotAllowed.on("pledge_id", f"the pledge is {pledge['status']}")
        amount = due_now(
            pledge["amount_fen"],
            await paid_fen(pledge_id),
            await held_fen(pledge_id),
            pledge["status"],
        )
        if amount <= 0:
            raise NotAllowed.on("pledge_id", "nothing is outstanding on this pledge")
        await Payment.insert(
            Payment(
                id=payment_id,
                pledge=pledge_id,
                provider=STRIPE,
                amount_fen=amount,
                status=Status.pending.value,
                method=method_type,
            )
        )
        await record(DONOR, "payment.start", "payment", payment_id, data={"amount_fen": amount})
    request = gateway.IntentRequest(
        payment_id=payment_id,
        pledge_id=pledge_id,
        amount_fen=amount,
        manual_capture=pledge["capture_policy"] == Event.CapturePolicy.deferred.value,
        method_types=(method_type,) if payment_method else cfg.payment_methods,
        payment_method=payment_method,
    )
    try:
        view = await gateway.create_intent(request)
    except gateway.CardDeclined as exc:
        await mark_failed(payment_id, exc.intent_id, exc.message)
        return PaymentStart(payment_id, Status.failed.value, None, False, exc.message)
    except gateway.GatewayError as exc:
        await mark_failed(payment_id, exc.intent_id, exc.message)
        raise NotAllowed.on("payment", exc.message) from exc
    status = await apply_intent(payment_id, view, DONOR)
    return PaymentStart(payment_id, status, view.client_secret, view.requires_action, view.failure)


async def mark_failed(payment_id: uuid.UUID, intent_id: str | None, reason: str) -> None:
    async with write_transaction():
        await Payment.update(
            {
                Payment.status: Status.failed.value,
                Payment.failure_reason: reason,
                Payment.provider_reference: intent_id,
            }
        ).where((Payment.id == payment_id) & (Payment.status == Status.pending.value))


async def load_payment(payment_id: uuid.UUID) -> LoadedPayment:
    row = (
        await Payment.select(
            Payment.all_columns(),
            Payment.pledge.event.as_alias("event_id"),
            Payment.pledge.project.as_alias("project_id"),
            Payment.pledge.amount_fen.as_alias("pledge_amount_fen"),
            Payment.pledge.status.as_alias("pledge_status"),
            Payment.pledge.donor.email.as_alias("donor_email"),
            Payment.pledge.donor.display_name.as_alias("donor_name"),
        )
        .where(Payment.id == payment_id)
        .first()
    )
    if row is None:
        raise NotFound.on("payment_id", f"no payment {payment_id}")
    return row


async def apply_intent(
    payment_id: uuid.UUID,
    view: gateway.IntentView,
    actor: Actor = SYSTEM,
    *,
    canceled_by_us: bool = False,
) -> str:
    """Bring our payment in line with Stripe's intent; returns the payment's status."""
    async with write_transaction():
        await lock_row(Payment, payment_id)
        pay = await load_payment(payment_id)
        if pay["provider"] != STRIPE:
            raise InvalidInput.on("payment_id", "not a Stripe payment")
        if pay["provider_reference"] not in (None, view.id):
            raise InvalidInput.on("payment_id", "the intent belongs to another payment")
        if view.currency != gateway.CURRENCY:
            raise InvalidInput.on("currency", f"the intent is in {view.currency}, not CNY")
        if pay["provider_reference"] is None:
            await Payment.update({Payment.provider_reference: view.id}).where(
                Payment.id == payment_id
            )
        current, target = pay["status"], our_status(view)
        if current in (Status.pending.value, Status.requires_capture.value, Status.failed.value):
            if target is Status.succeeded:
                await _settle(pay, view, actor)
                current = Status.succeeded.value
            elif target.value != current:
                await Payment.update(
                    {Payment.status: target.value, Payment.failure_reason: view.failure}
                ).where(Payment.id == payment_id)
                if target is Status.canceled and not canceled_by_us:
                    await _authorization_lost(pay, view)
                await record(actor, f"payment.{target.value}", "payment", payment_id)
                current = target.value
        if current == Status.succeeded.value:
            await _book_fee(pay, view)
            await refund_booking.book_stripe_refunds(pay, view.refunds)
        if view.disputed and not pay["flagged"]:
            await flag(payment_id, "disputed in Stripe", actor)
    return current


async def _settle(pay: LoadedPayment, view: gateway.IntentView, actor: Actor) -> None:
    """Our payment row follows the intent; the rest is the provider-neutral step."""
    settled_at = dt.datetime.now(dt.UTC)
    await Payment.update(
        {
            Payment.status: Status.succeeded.value,
            Payment.amount_fen: view.received_fen,
            Payment.method: view.method,
            Payment.failure_reason: "",
            Payment.settled_at: settled_at,
        }
    ).where(Payment.id == pay["id"])
    await settle(
        Settlement(
            payment_id=pay["id"],
            provider=STRIPE,
            amount_fen=view.received_fen,
            settled_at=settled_at,
            pledge_id=pay["pledge"],
            pledge_amount_fen=pay["pledge_amount_fen"],
            pledge_status=pay["pledge_status"],
            event_id=pay["event_id"],
            project_id=pay["project_id"],
            audit_data={"amount_fen": view.received_fen, "intent": view.id, "method": view.method},
        ),
        actor,
    )


async def _book_fee(pay: LoadedPayment, view: gateway.IntentView) -> None:
    if not view.fee_fen or view.fee_fen <= 0 or pay["fee_fen"]:
        return  # a fee that changes later shows in the reconciliation report
    await Payment.update({Payment.fee_fen: view.fee_fen}).where(Payment.id == pay["id"])
    await rules.provider_fee(
        payment_id=pay["id"],
        provider=STRIPE,
        event_id=pay["event_id"],
        project_id=pay["project_id"],
        fee_fen=view.fee_fen,
    )


async def _authorization_lost(pay: LoadedPayment, view: gateway.IntentView) -> None:
    """Stripe cancelled an authorization (expired before capture, or in the dashboard):
    the pledge is due again and the donor is told how to pay."""
    if pay["status"] != Status.requires_capture.value or not pay["donor_email"]:
        return
    context = {
        "donor_name": pay["donor_name"],
        "amount_fen": pay["amount_fen"],
        "pay_url": f"{get_settings().base_url}/pledges/{pay['pledge']}/pay",
        "reason": view.cancellation_reason or "",
    }
    subject, text, html = render_mail("payment_retry", context)
    await queue_mail(
        Mail(to=pay["donor_email"], subject=subject, text=text, html=html),
        dedupe_key=f"payment:{pay['id']}:authorization-lost",
    )


async def sync_payment(payment_id: uuid.UUID, actor: Actor = SYSTEM) -> str:
    """Re-read the intent from Stripe and settle our payment from it."""
    pay = await load_payment(payment_id)
    if pay["provider"] != STRIPE or not pay["provider_reference"]:
        return pay["status"]
    view = await _retrieve(pay["provider_reference"])
    return await apply_intent(payment_id, view, actor)


async def sync_intent(intent_id: str, actor: Actor = SYSTEM) -> str:
    """Settle whichever payment an intent belongs to; 'unknown' when none does."""
    view = await _retrieve(intent_id)
    payment_id = await payment_of_intent(intent_id) or view.payment_id
    if payment_id is None or not await Payment.exists().where(Payment.id == payment_id):
        return "unknown"
    return await apply_intent(payment_id, view, actor)


async def _retrieve(intent_id: str) -> gateway.IntentView:
    try:
        return await gateway.retrieve_intent(intent_id)
    except gateway.GatewayError as exc:
        raise ProviderUnavailable.on("payment", f"Stripe could not be asked: {exc}") from exc


async def payment_of_intent(intent_id: str) -> uuid.UUID | None:
    row = (
        await Payment.select(Payment.id)
        .where((Payment.provider == STRIPE) & (Payment.provider_reference == intent_id))
        .first()
    )
    return row["id"] if row else None
