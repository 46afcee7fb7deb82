"""The shapes of the receipt rows the services read and hand around (Piccolo selects
are plain dicts): typed records that document the keys, nothing at run time."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TypedDict


class PaymentFacts(TypedDict):
    """What issuing a receipt needs of the payment and its donor
    (`services._payment_facts`)."""

    id: uuid.UUID
    status: str
    amount_fen: int
    event_id: int
    donor_id: uuid.UUID
    email: str | None
    display_name: str
    receipt_title: str
    anonymous: bool
    wants_receipt: bool


class ReceiptRow(TypedDict):
    """`Receipt.all_columns()`."""

    id: uuid.UUID
    event: int
    number: int
    payment: uuid.UUID
    donor: uuid.UUID
    amount_fen: int
    title: str
    status: str
    verification_code: str
    replaces: uuid.UUID | None
    copies_sent: int
    issued_at: dt.datetime
    voided_at: dt.datetime | None
    void_reason: str
    mailed_at: dt.datetime | None


class MailableReceipt(ReceiptRow):
    """A receipt with its donor's address (`services._receipt_row`)."""

    email: str | None


class ReceiptLine(TypedDict):
    """A receipt on the console's list (`documents.list_receipts`)."""

    id: uuid.UUID
    number: int
    status: str
    title: str
    amount_fen: int
    copies_sent: int
    issued_at: dt.datetime
    mailed_at: dt.datetime | None
    void_reason: str
    event_number: int
    email: str | None
    display_number: str
