"""In/out structs of the disbursements API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

Reason = Annotated[str, msgspec.Meta(max_length=2000)]


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason = ""


class PayoutIn(msgspec.Struct, forbid_unknown_fields=True):
    bank_reference: Annotated[str, msgspec.Meta(max_length=200)]
    paid_on: dt.date


class EvidenceOut(msgspec.Struct):
    id: uuid.UUID
    kind: str
    title: str
    media_type: str
    size_bytes: int
    sha256: str
    public: bool
    url: str


class DisbursementOut(msgspec.Struct):
    id: uuid.UUID
    project: int
    project_title: str
    milestone: str
    budget_line: int | None
    budget_item: str | None
    amount_fen: int
    payee: str
    purpose: str
    status: str
    decision_reason: str
    requested_by_name: str | None
    approved_by_name: str | None
    rejected_by_name: str | None
    paid_by_name: str | None
    bank_reference: str | None
    paid_on: dt.date | None
    created_at: dt.datetime
    approved_at: dt.datetime | None
    paid_at: dt.datetime | None
    evidence: list[EvidenceOut] = msgspec.field(default_factory=list)


class DisbursementCreated(msgspec.Struct):
    id: uuid.UUID
    status: str


class SettlementIn(msgspec.Struct, forbid_unknown_fields=True):
    payment_id: uuid.UUID
    action: Annotated[str, msgspec.Meta(max_length=20)]
    reason: Annotated[str, msgspec.Meta(max_length=2000)]
    reference: Annotated[str, msgspec.Meta(max_length=200)] = ""
    target_project_id: Annotated[int, msgspec.Meta(gt=0, le=2**31 - 1)] | None = None
    donor_consent: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class SettlementOut(msgspec.Struct):
    id: uuid.UUID
    action: str
    balance_fen: int
