"""Stripe webhooks: verified, handled at most once per event id, never trusted.

The body only says *which* object changed; the handler re-reads that object from Stripe
and settles from what Stripe says now. Late, repeated or out-of-order events therefore
all end in the same state. Unknown types are recorded and ignored.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from service.audit.services import Actor
from service.db import is_unique_violation, write_transaction
from service.payments import online
from service.payments import stripe_gateway as gateway
from service.payments.tables import WebhookEvent

log = logging.getLogger("minsheng.webhooks")
WEBHOOK = Actor("stripe webhook")

Handler = Callable[[gateway.WebhookNotice], Awaitable[str]]


async def _intent_changed(notice: gateway.WebhookNotice) -> str:
    return await online.sync_intent(notice.object_id, WEBHOOK)


async def _charge_changed(notice: gateway.WebhookNotice) -> str:
    intent_id = await gateway.intent_of_charge(notice.object_id)
    return await online.sync_intent(intent_id, WEBHOOK) if intent_id else "no intent"


async def _dispute_created(notice: gateway.WebhookNotice) -> str:
    intent_id = await gateway.intent_of_dispute(notice.object_id)
    if not intent_id:
        return "no intent"
    outcome = await online.sync_intent(intent_id, WEBHOOK)
    payment_id = await online.payment_of_intent(intent_id)
    if payment_id is None:
        return outcome
    async with write_transaction():
        await online.flag(payment_id, f"dispute {notice.object_id}", WEBHOOK)
    return f"{outcome}, flagged"


HANDLERS: dict[str, Handler] = {
    "payment_intent.succeeded": _intent_changed,
    "payment_intent.payment_failed": _intent_changed,
    "payment_intent.canceled": _intent_changed,
    "payment_intent.amount_capturable_updated": _intent_changed,
    "payment_intent.processing": _intent_changed,
    "charge.refunded": _charge_changed,
    "charge.refund.updated": _charge_changed,
    "charge.updated": _charge_changed,
    "charge.dispute.created": _dispute_created,
}
"""Event type → handler; every other type is stored and ignored."""


@dataclass(frozen=True)
class WebhookResult:
    event_id: str
    outcome: str
    duplicate: bool


async def receive(payload: bytes, signature: str | None) -> WebhookResult:
    """Verify (raises gateway.BadSignature, nothing stored), then handle once."""
    notice = gateway.verify_webhook(payload, signature)
    seen = (
        await WebhookEvent.select(WebhookEvent.outcome)
        .where(WebhookEvent.event_id == notice.event_id)
        .first()
    )
    if seen is not None:
        return WebhookResult(notice.event_id, seen["outcome"], duplicate=True)
    handler = HANDLERS.get(notice.type)
    if handler is None:
        log.info("stripe event %s of type %s ignored", notice.event_id, notice.type)
        outcome = "ignored"
    else:
        # A failure propagates: nothing is stored and Stripe delivers the event again.
        try:
            outcome = await handler(notice)
        except gateway.GatewayError as exc:
            raise online.ProviderUnavailable.on(
                "event", f"Stripe could not be asked: {exc}"
            ) from exc
    try:
        async with write_transaction():
            await WebhookEvent.insert(
                WebhookEvent(
                    event_id=notice.event_id,
                    type=notice.type,
                    object_id=notice.object_id,
                    processed_at=dt.datetime.now(dt.UTC),
                    outcome=outcome,
                )
            )
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        return WebhookResult(notice.event_id, outcome, duplicate=True)
    return WebhookResult(notice.event_id, outcome, duplicate=False)
