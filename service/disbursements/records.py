"""The shapes of the disbursement rows the services read and hand around (Piccolo
selects are plain dicts): typed records that document the keys, nothing at run time."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import NotRequired, TypedDict


class DisbursementRow(TypedDict):
    """`Disbursement.select()`: every column."""

    id: uuid.UUID
    project: int
    milestone: str
    amount_fen: int
    payee: str
    status: str
    evidence: str
    requested_by: int | None
    approved_by: int | None
    created_at: dt.datetime
    approved_at: dt.datetime | None
    paid_at: dt.datetime | None
    budget_line: int | None
    purpose: str
    decision_reason: str
    rejected_by: int | None
    paid_by: int | None
    bank_reference: str | None
    paid_on: dt.date | None


class EvidenceRow(TypedDict):
    """`DisbursementEvidence.select()` with the address the file is served at."""

    id: uuid.UUID
    disbursement: uuid.UUID
    kind: str
    title: str
    stored_name: str
    media_type: str
    size_bytes: int
    sha256: str
    public: bool
    created_at: dt.datetime
    url: str


class EvidenceFile(TypedDict):
    """The evidence row behind a stored file name (`queries.evidence_file`)."""

    stored_name: str
    media_type: str
    public: bool
    status: str
    """The disbursement's status."""
    owner_org: int


class StaffDisbursement(TypedDict):
    """A disbursement on the console (`queries.list_for_staff`, `get_for_staff`)."""

    id: uuid.UUID
    project: int
    project_title: str
    event_number: int | None
    owner_org: int
    milestone: str
    budget_line: int | None
    budget_item: str | None
    amount_fen: int
    payee: str
    purpose: str
    status: str
    decision_reason: str
    requested_by: int | None
    requested_by_name: str | None
    approved_by_name: str | None
    rejected_by_name: str | None
    paid_by_name: str | None
    bank_reference: str | None
    paid_on: dt.date | None
    created_at: dt.datetime
    approved_at: dt.datetime | None
    paid_at: dt.datetime | None
    evidence: NotRequired[list[EvidenceRow]]
    """Only on one disbursement (`get_for_staff`)."""


class PaidDisbursementRow(TypedDict):
    """A paid disbursement on its project's public page (`queries.paid_for_projects`)."""

    id: uuid.UUID
    project: int
    milestone: str
    budget_line: int | None
    budget_item: str | None
    amount_fen: int
    payee: str
    purpose: str
    paid_on: dt.date | None
    paid_at: dt.datetime | None
    evidence: list[EvidenceRow]


class RequestableProject(TypedDict):
    """The project staff may request a disbursement for (`requests.may_act_for`)."""

    id: int
    owner_org: int
    title: str
    status: str


class LockedProject(TypedDict):
    """The project a money decision is taken on, row-locked (`services._project`)."""

    id: int
    event: int | None
    status: str


class SettlingProject(LockedProject):
    """A cancelled project whose held money is settled (`cancellation._project`)."""

    title: str


class HeldPayment(TypedDict):
    """A settled donor payment with what of it the project still holds
    (`cancellation.held_payments`)."""

    id: uuid.UUID
    provider: str
    amount_fen: int
    provider_reference: str | None
    settled_at: dt.datetime | None
    pledge: uuid.UUID
    donor: str
    """The donor's display name."""
    held_fen: int
