"""In/out structs of the payments API (online payments, refunds, reconciliation)."""

from __future__ import annotations

import uuid

import msgspec

from service.bounds import PositiveFen


class PaymentStartIn(msgspec.Struct, forbid_unknown_fields=True):
    method: str = "card"
    """A payment method type from STRIPE_PAYMENT_METHODS (card, alipay…)."""
    payment_method: str | None = msgspec.field(default=None)
    """A card or PaymentMethod id made by Stripe.js (card_…/pm_…) to confirm at once;
    omit to confirm on the page with the Payment Element."""


class PaymentStartOut(msgspec.Struct):
    payment_id: uuid.UUID
    status: str
    client_secret: str | None
    requires_action: bool
    failure: str = ""


class PaymentStatusOut(msgspec.Struct):
    payment_id: uuid.UUID
    status: str


class CaptureIn(msgspec.Struct, forbid_unknown_fields=True):
    amount_fen: PositiveFen | None = None
    """Capture less than authorized; the rest is released. Omit for all."""


class RefundIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: str
    amount_fen: PositiveFen | None = None
    """Omit for everything not yet refunded."""


class RefundOut(msgspec.Struct):
    refund_id: uuid.UUID
    payment_id: uuid.UUID
    amount_fen: int
    status: str


class DifferenceOut(msgspec.Struct):
    payment_id: str
    intent_id: str
    field: str
    stripe: str
    ours: str
    ledger: str
    detail: str


class ReconciliationOut(msgspec.Struct):
    differences: list[DifferenceOut]


class SettleOut(msgspec.Struct):
    checked: int
    changed: dict[str, str]
    captured: int
    errors: dict[str, str]
