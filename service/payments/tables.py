from enum import Enum

from piccolo.columns import UUID, Boolean, Date, Text, Timestamptz, Varchar
from piccolo.table import Table

from service.auth.tables import StaffUser
from service.columns import created_at, money, restrict_fk
from service.pledges.tables import Pledge


class Payment(Table, tablename="payment"):
    """One attempt to pay (part of) a pledge, with its own state."""

    class Provider(str, Enum):
        stripe = "stripe"
        bank = "bank"
        cash = "cash"
        wechat_pay = "wechat_pay"
        alipay = "alipay"

    class Status(str, Enum):
        pending = "pending"
        requires_capture = "requires_capture"
        succeeded = "succeeded"
        failed = "failed"
        canceled = "canceled"

    id = UUID(primary_key=True, help_text="Random id; ledger keys derive from it.")
    pledge = restrict_fk(Pledge, "The pledge being paid.")
    provider = Varchar(length=20, choices=Provider, help_text="Who moved the money.")
    amount_fen = money("Amount of the attempt")
    currency = Varchar(length=3, default="CNY", help_text="Always CNY.")
    status = Varchar(length=20, choices=Status, default=Status.pending, help_text="State.")
    provider_reference = Varchar(
        length=200,
        null=True,
        default=None,
        help_text="PaymentIntent id, bank reference or cash slip number.",
    )
    method = Varchar(length=30, default="", help_text="card, alipay, transfer, cash…")
    fee_fen = money("Provider fee where reported", default=0)
    received_on = Date(null=True, default=None, help_text="Value date of an offline payment.")
    flagged = Boolean(default=False, help_text="Disputed or needs an organizer's look.")
    failure_reason = Text(default="", help_text="Why it failed.")
    recorded_by = restrict_fk(StaffUser, "Organizer who recorded it.", null=True)
    created_at = created_at()
    settled_at = Timestamptz(null=True, default=None, help_text="When it succeeded.")


class Refund(Table, tablename="refund"):
    """Money returned against a payment, full or partial."""

    class Status(str, Enum):
        pending = "pending"
        succeeded = "succeeded"
        failed = "failed"

    id = UUID(primary_key=True, help_text="Random id; ledger keys derive from it.")
    payment = restrict_fk(Payment, "The payment refunded.")
    amount_fen = money("Amount returned")
    status = Varchar(length=20, choices=Status, default=Status.pending, help_text="State.")
    reason = Text(default="", help_text="Why it was refunded.")
    provider_reference = Varchar(length=200, null=True, default=None, help_text="re_… id.")
    created_by = restrict_fk(StaffUser, "Organizer who refunded.", null=True)
    created_at = created_at()


class WebhookEvent(Table, tablename="webhook_event"):
    """A provider event, stored once by its id so it is processed at most once."""

    event_id = Varchar(length=255, unique=True, help_text="Provider's event id (evt_…).")
    type = Varchar(length=100, help_text="Event type, e.g. payment_intent.succeeded.")
    object_id = Varchar(length=255, default="", help_text="Id of the object it is about.")
    received_at = created_at()
    processed_at = Timestamptz(null=True, default=None, help_text="When it was handled.")
    outcome = Text(default="", help_text="What handling it did.")


class BankStatementLine(Table, tablename="bank_statement_line"):
    """A line of an imported bank statement, matched to a pledge at most once."""

    class Status(str, Enum):
        unmatched = "unmatched"
        proposed = "proposed"
        applied = "applied"
        ignored = "ignored"

    line_hash = Varchar(length=64, unique=True, help_text="SHA-256 of the line; no re-import.")
    booked_on = Date(help_text="Booking date.")
    amount_fen = money("Amount credited")
    counterparty = Varchar(length=200, default="", help_text="Payer's name.")
    reference = Varchar(length=200, default="", help_text="Bank reference / remark.")
    status = Varchar(length=20, choices=Status, default=Status.unmatched, help_text="State.")
    proposed_pledge = restrict_fk(Pledge, "Pledge the matcher suggests.", null=True)
    payment = restrict_fk(Payment, "The payment it became.", null=True, unique=True)
    created_at = created_at()
