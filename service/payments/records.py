"""The shapes of the payment rows the services read and hand around (Piccolo selects are
plain dicts): typed records that document the keys, nothing at run time."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TypedDict


class PaymentRow(TypedDict):
    """`Payment.all_columns()`."""

    id: uuid.UUID
    pledge: uuid.UUID
    provider: str
    amount_fen: int
    currency: str
    status: str
    provider_reference: str | None
    method: str
    fee_fen: int
    received_on: dt.date | None
    flagged: bool
    failure_reason: str
    recorded_by: int | None
    created_at: dt.datetime
    settled_at: dt.datetime | None


class RefundRow(TypedDict):
    """`Refund.all_columns()`."""

    id: uuid.UUID
    payment: uuid.UUID
    amount_fen: int
    status: str
    reason: str
    provider_reference: str | None
    created_by: int | None
    created_at: dt.datetime


class LoadedPayment(PaymentRow):
    """A payment with what settling it needs of its pledge (`online.load_payment`)."""

    event_id: int
    project_id: int | None
    pledge_amount_fen: int
    pledge_status: str
    donor_email: str | None
    donor_name: str


class BookedRefund(RefundRow):
    """A refund with what booking it needs of its payment and pledge (`refunds._book`)."""

    pledge_id: uuid.UUID
    payment_amount_fen: int
    event_id: int
    project_id: int | None
    pledge_status: str
    donor_email: str | None
    donor_name: str


class PledgeToPay(TypedDict):
    """A pledge on its public payment page (`queries.pledge_to_pay`)."""

    id: uuid.UUID
    amount_fen: int
    status: str
    project: int | None
    project_title: str | None
    event_title: str
    capture_policy: str
    donor_name: str
    """The public name: never an anonymous donor's own."""
    anonymous: bool
    code: str
    paid_fen: int
    held_fen: int
    outstanding_fen: int


class PaymentHistoryLine(TypedDict):
    created_at: dt.datetime
    actor_label: str
    action: str
    reason: str


class PaymentDetail(PaymentRow):
    """A payment on its console page (`queries.payment_detail`)."""

    pledge_amount_fen: int
    pledge_status: str
    project_id: int | None
    project_title: str | None
    donor_name: str
    refunds: list[RefundRow]
    refunded_fen: int
    history: list[PaymentHistoryLine]


class PledgeToCharge(TypedDict):
    """The pledge an online attempt is for (`online._pledge`)."""

    id: uuid.UUID
    amount_fen: int
    status: str
    event: int
    project: int | None
    capture_policy: str
