"""The one module that talks to Stripe (and the only one importing `stripe`).

Every call goes through the official SDK with a pinned API version; every create,
capture, cancel and refund carries an idempotency key derived from our own ids.
Stripe's objects are turned into small frozen views (`IntentView`, `RefundView`) so the
rest of the code never handles SDK objects. Amounts are fen (CNY's minor unit).

The SDK is synchronous; calls run in a worker thread so the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import stripe

from service.settings import get_settings

API_VERSION = "2026-10-28.endive"
"""Pinned: Stripe answers in this version whatever the account's default is."""
CURRENCY = "cny"
NETWORK_RETRIES = 2
INTENT_EXPAND = ["latest_charge.balance_transaction", "latest_charge.refunds"]


class GatewayError(Exception):
    """Stripe refused or could not be reached; `message` is safe to show staff."""

    def __init__(self, message: str, *, code: str = "", intent_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.intent_id = intent_id


class CardDeclined(GatewayError):
    """The payment method was declined; the intent (if Stripe made one) is named."""


WEBHOOK_TOLERANCE_S = 300
"""Stripe's default tolerance for a webhook signature's timestamp."""


class BadSignature(Exception):
    """A webhook whose Stripe-Signature does not verify."""


@dataclass(frozen=True)
class StripeConfig:
    secret_key: str | None
    webhook_secret: str | None = None
    api_base: str | None = None
    publishable_key: str | None = None
    payment_methods: tuple[str, ...] = ("card",)
    js_url: str = "https://js.stripe.com/v3/"

    @property
    def enabled(self) -> bool:
        return bool(self.secret_key)


_override: StripeConfig | None = None


def config() -> StripeConfig:
    """From settings, unless `configure` set another (tests, CLI)."""
    if _override is not None:
        return _override
    settings = get_settings()
    return StripeConfig(
        secret_key=settings.stripe_secret_key,
        webhook_secret=settings.stripe_webhook_secret,
        api_base=settings.stripe_api_base,
        publishable_key=settings.stripe_publishable_key,
        payment_methods=settings.stripe_payment_methods,
        js_url=settings.stripe_js_url,
    )


def configure(new: StripeConfig | None) -> None:
    """Replace the configuration for this process (None: back to settings)."""
    global _override
    _override = new


@functools.cache
def _client_for(secret_key: str, api_base: str | None) -> stripe.StripeClient:
    return stripe.StripeClient(
        secret_key,
        stripe_version=API_VERSION,
        base_addresses={"api": api_base} if api_base else {},
        max_network_retries=NETWORK_RETRIES,
    )


def _client() -> stripe.StripeClient:
    cfg = config()
    if not cfg.secret_key:
        raise GatewayError("online payment is not configured (STRIPE_SECRET_KEY)")
    return _client_for(cfg.secret_key, cfg.api_base)


async def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return await asyncio.to_thread(fn, *args, **kwargs)
    except stripe.CardError as exc:
        error = exc.error
        intent = getattr(error, "payment_intent", None) if error else None
        raise CardDeclined(
            exc.user_message or "the card was declined",
            code=getattr(exc, "code", "") or "card_declined",
            intent_id=getattr(intent, "id", None),
        ) from exc
    except stripe.StripeError as exc:
        raise GatewayError(
            exc.user_message or str(exc) or "Stripe refused the request",
            code=getattr(exc, "code", "") or "",
        ) from exc


# --------------------------------------------------------------------- views


@dataclass(frozen=True)
class RefundView:
    id: str
    amount_fen: int
    status: str
    our_refund_id: str | None
    """The minsheng refund id when we made it; None for a refund made elsewhere."""


@dataclass(frozen=True)
class IntentView:
    """What Stripe says about one PaymentIntent, in the terms we settle on."""

    id: str
    status: str
    amount_fen: int
    received_fen: int
    currency: str
    capture_method: str
    method: str
    client_secret: str | None = None
    cancellation_reason: str | None = None
    failure: str = ""
    fee_fen: int | None = None
    refunds: tuple[RefundView, ...] = field(default_factory=tuple)
    disputed: bool = False
    requires_action: bool = False
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def refunded_fen(self) -> int:
        return sum(r.amount_fen for r in self.refunds if r.status == "succeeded")

    @property
    def payment_id(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.metadata.get("payment_id", ""))
        except ValueError:
            return None


def _obj(value: Any) -> dict[str, Any] | None:
    if value is None or isinstance(value, str):
        return None
    return value if isinstance(value, dict) else value.to_dict()


def intent_view(data: dict[str, Any]) -> IntentView:
    """An IntentView from a PaymentIntent as Stripe documents it (latest_charge expanded
    with its balance_transaction and refunds)."""
    charge = _obj(data.get("latest_charge")) or {}
    refunds_data = (_obj(charge.get("refunds")) or {}).get("data") or []
    refunds = [_obj(r) or {} for r in refunds_data]
    if "amount_received" in data:
        received = int(data["amount_received"] or 0)
    else:
        # The test server (localstripe) reports no amount_received and books the
        # uncaptured remainder of a partial capture as a refund with no payment_intent.
        remainder = [r for r in refunds if not r.get("payment_intent") and not r.get("metadata")]
        refunds = [r for r in refunds if r not in remainder]
        captured = charge.get("captured") and charge.get("status") == "succeeded"
        received = int(charge.get("amount", 0)) - sum(int(r["amount"]) for r in remainder)
        received = received if captured else 0
    balance = _obj(charge.get("balance_transaction")) or {}
    method_details = _obj(charge.get("payment_method_details")) or {}
    types = data.get("payment_method_types") or ["card"]
    error = _obj(data.get("last_payment_error")) or {}
    failure = error.get("message") or charge.get("failure_message") or ""
    return IntentView(
        id=data["id"],
        status=data["status"],
        amount_fen=int(data["amount"]),
        received_fen=received,
        currency=str(data.get("currency", CURRENCY)).lower(),
        capture_method=data.get("capture_method") or "automatic",
        method=method_details.get("type") or types[0],
        client_secret=data.get("client_secret"),
        cancellation_reason=data.get("cancellation_reason"),
        failure=failure if data["status"] != "succeeded" else "",
        fee_fen=int(balance["fee"]) if "fee" in balance else None,
        refunds=tuple(
            RefundView(
                id=r["id"],
                amount_fen=int(r["amount"]),
                status=r.get("status") or "succeeded",
                our_refund_id=(r.get("metadata") or {}).get("refund_id"),
            )
            for r in refunds
        ),
        disputed=bool(charge.get("disputed")),
        requires_action=data["status"] == "requires_action",
        metadata=dict(data.get("metadata") or {}),
    )


# --------------------------------------------------------------------- calls


@dataclass(frozen=True)
class IntentRequest:
    payment_id: uuid.UUID
    pledge_id: uuid.UUID
    amount_fen: int
    manual_capture: bool
    method_types: tuple[str, ...]
    payment_method: str | None = None
    """A card id / PaymentMethod id (card flow) to confirm at once; None: Stripe.js
    confirms with the Payment Element (and its return_url)."""


async def create_intent(request: IntentRequest) -> IntentView:
    params: dict[str, Any] = {
        "amount": request.amount_fen,
        "currency": CURRENCY,
        "payment_method_types": list(request.method_types),
        "capture_method": "manual" if request.manual_capture else "automatic",
        "metadata": {"payment_id": str(request.payment_id), "pledge_id": str(request.pledge_id)},
    }
    if request.payment_method:
        params["payment_method"] = request.payment_method
        params["confirm"] = True
    intent = await _call(
        _client().v1.payment_intents.create,
        params=params,
        options={"idempotency_key": f"minsheng-payment-{request.payment_id}-create"},
    )
    return await retrieve_intent(intent.id)


async def retrieve_intent(intent_id: str) -> IntentView:
    intent = await _call(
        _client().v1.payment_intents.retrieve, intent_id, params={"expand": INTENT_EXPAND}
    )
    return intent_view(intent.to_dict())


async def capture_intent(
    intent_id: str, payment_id: uuid.UUID, amount_fen: int | None = None
) -> IntentView:
    params = {"amount_to_capture": amount_fen} if amount_fen is not None else {}
    await _call(
        _client().v1.payment_intents.capture,
        intent_id,
        params=params,
        options={"idempotency_key": f"minsheng-payment-{payment_id}-capture"},
    )
    return await retrieve_intent(intent_id)


async def cancel_intent(intent_id: str, payment_id: uuid.UUID) -> IntentView:
    await _call(
        _client().v1.payment_intents.cancel,
        intent_id,
        options={"idempotency_key": f"minsheng-payment-{payment_id}-cancel"},
    )
    return await retrieve_intent(intent_id)


async def create_refund(intent_id: str, refund_id: uuid.UUID, amount_fen: int) -> RefundView:
    refund = await _call(
        _client().v1.refunds.create,
        params={
            "payment_intent": intent_id,
            "amount": amount_fen,
            "metadata": {"refund_id": str(refund_id)},
        },
        options={"idempotency_key": f"minsheng-refund-{refund_id}"},
    )
    data = refund.to_dict()
    return RefundView(
        id=data["id"],
        amount_fen=int(data["amount"]),
        status=data.get("status") or "succeeded",
        our_refund_id=str(refund_id),
    )


async def recent_intents(limit: int = 1000) -> list[IntentView]:
    """The account's most recent PaymentIntents (newest first on Stripe), up to `limit`."""

    def collect() -> list[dict[str, Any]]:
        found = []
        page = _client().v1.payment_intents.list(params={"limit": 100})
        for intent in page.auto_paging_iter():
            found.append(intent.to_dict())
            if len(found) >= limit:
                break
        return found

    return [intent_view(data) for data in await _call(collect)]


async def intent_of_charge(charge_id: str) -> str | None:
    charge = await _call(_client().v1.charges.retrieve, charge_id)
    return charge.to_dict().get("payment_intent")


async def intent_of_dispute(dispute_id: str) -> str | None:
    dispute = (await _call(_client().v1.disputes.retrieve, dispute_id)).to_dict()
    if dispute.get("payment_intent"):
        return dispute["payment_intent"]
    charge = dispute.get("charge")
    return await intent_of_charge(charge) if isinstance(charge, str) else None


# --------------------------------------------------------------------- webhooks


@dataclass(frozen=True)
class WebhookNotice:
    """A verified webhook: which event, its type, and the object it is about."""

    event_id: str
    type: str
    object_id: str
    object_type: str


def verify_webhook(payload: bytes, signature: str | None) -> WebhookNotice:
    secret = config().webhook_secret
    if not secret:
        raise BadSignature("STRIPE_WEBHOOK_SECRET is not set")
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, signature, secret, WEBHOOK_TOLERANCE_S)
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as exc:
        raise BadSignature(str(exc)) from exc
    # Stripe's SDK refuses only old timestamps; one from the future is as suspect (a
    # signature made ahead to be replayed later): the same tolerance both ways.
    stamp = next((p[2:] for p in (signature or "").split(",") if p.startswith("t=")), "")
    if not stamp.isdigit() or int(stamp) > time.time() + WEBHOOK_TOLERANCE_S:
        raise BadSignature("the signature's timestamp is in the future")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadSignature(f"the body is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("data"), dict):
        raise BadSignature("the body is not a Stripe event object")
    obj = data["data"].get("object") or {}
    if not isinstance(obj, dict):
        raise BadSignature("the event's data.object is not an object")
    return WebhookNotice(
        event_id=str(data.get("id", "")),
        type=str(data.get("type", "")),
        object_id=str(obj.get("id", "")),
        object_type=str(obj.get("object", "")),
    )
