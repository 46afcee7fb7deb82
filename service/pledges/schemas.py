import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from service.bounds import PositiveFen, RowId
from service.text import Message, PersonName, Reason, ReceiptTitle

Name = PersonName
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Phone = Annotated[str, msgspec.Meta(max_length=30, pattern=r"^[0-9+\- ]{5,30}$")]


class DonorIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["individual", "enterprise"]
    display_name: Name
    email: Email | None = None
    phone: Phone | None = None
    receipt_title: ReceiptTitle = ""
    uscc: Annotated[str, msgspec.Meta(max_length=30)] | None = None
    anonymous: bool = False
    wants_receipt: bool = True


class PledgeCreate(msgspec.Struct, forbid_unknown_fields=True):
    event: RowId
    donor: DonorIn
    project_id: RowId | None = None
    amount_fen: PositiveFen | None = None
    whole_project: bool = False
    allow_general_fund: bool = False
    message: Message = ""


class MatchRecordOut(msgspec.Struct):
    payment: uuid.UUID
    pool: int | None
    pool_name: str | None
    outcome: str
    """matched | none | held | released | refused"""
    reason: str
    matched_fen: int


class PledgeOut(msgspec.Struct):
    id: uuid.UUID
    event_number: int
    project: int | None
    amount_fen: int
    channel: str
    status: str
    whole_project: bool
    due_on: dt.date | None
    created_at: dt.datetime
    donor_name: str
    paid_fen: int = 0
    outstanding_fen: int = 0
    status_reason: str = ""
    general_fund_pledge: uuid.UUID | None = None
    """When the event moved the excess over the target to its general fund: that pledge."""
    general_fund_fen: int = 0
    excess_of: uuid.UUID | None = None
    """For a general-fund pledge split off an over-subscribed one: the project pledge."""
    matching: list[MatchRecordOut] = []
    """What matching did for each settled payment, and why (nothing, held for review…)."""


class PledgeCancel(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


class OfflinePaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    provider: Literal["bank", "cash"]
    amount_fen: PositiveFen
    reference: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    received_on: dt.date


class PaymentOut(msgspec.Struct):
    id: uuid.UUID
    pledge_id: uuid.UUID
    pledge_status: str
    paid_fen: int
    outstanding_fen: int


class FiguresOut(msgspec.Struct):
    pledged: int
    received: int
    outstanding: int


class ProjectTrackingOut(msgspec.Struct):
    project: int | None
    title: str
    target_fen: int
    pledged: int
    received: int
    outstanding: int
    overdue_fen: int


class OverdueOut(msgspec.Struct):
    id: uuid.UUID
    code: str
    project: int | None
    project_title: str
    donor_name: str
    contact: str
    channel: str
    amount_fen: int
    paid_fen: int
    outstanding_fen: int
    due_on: dt.date
    days_overdue: int


class TrackingOut(msgspec.Struct):
    event_number: int
    totals: FiguresOut
    overdue_fen: int
    projects: list[ProjectTrackingOut]
    overdue: list[OverdueOut]
