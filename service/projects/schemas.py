import datetime as dt
from typing import Annotated, Any

import msgspec

from service.bounds import AnyFen, AnyRowId


class Totals(msgspec.Struct):
    """Figures in integer fen, derived from the ledger."""

    target: int
    pledged: int
    received: int
    outstanding: int
    matched: int
    refunded: int
    disbursed: int
    fees: int
    balance: int
    reallocated: int = 0
    """Net moved to the edition's general fund (negative for the general fund itself)."""


class BudgetLineOut(msgspec.Struct):
    item: str
    amount_fen: int
    kind: str


class ProjectOut(msgspec.Struct):
    id: int
    event_number: int
    title: str
    summary: str
    community: str
    owner: str
    category: str
    status: str
    beneficiaries: str
    implementer: str
    target_fen: int
    minimum_fen: int | None
    funded_percent: int
    totals: Totals
    cover_url: str | None


class ProjectDetail(ProjectOut):
    timeline: str
    budget: list[BudgetLineOut]


# --- the console (staff) side -------------------------------------------------------------

LongText = Annotated[str, msgspec.Meta(max_length=20_000)]


class BudgetLineIn(msgspec.Struct, forbid_unknown_fields=True):
    item: LongText
    amount_fen: AnyFen
    kind: Annotated[str, msgspec.Meta(max_length=20)] = "other"


class ProposalIn(msgspec.Struct, forbid_unknown_fields=True):
    """A project as an owner or organizer sends it; the target is the budget's sum (send
    `target_fen` only to have it checked against that sum)."""

    title: LongText
    community_id: AnyRowId
    category: Annotated[str, msgspec.Meta(max_length=30)]
    budget: Annotated[list[BudgetLineIn], msgspec.Meta(max_length=200)]
    summary: LongText = ""
    beneficiaries: LongText = ""
    implementer: LongText = ""
    timeline: LongText = ""
    owner_org_id: AnyRowId | None = None
    target_fen: AnyFen | None = None
    minimum_fen: AnyFen | None = None
    event: AnyRowId | None = None


class ActionIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: LongText = ""
    event: AnyRowId | None = None


class StaffProjectOut(msgspec.Struct):
    id: int
    title: str
    status: str
    category: str
    summary: str
    beneficiaries: str
    implementer: str
    timeline: str
    target_fen: int
    minimum_fen: int | None
    event_number: int | None
    owner_org_id: int
    owner_name: str
    community_id: AnyRowId
    community_name: str
    review_note: str
    cover_url: str | None
    budget: list[BudgetLineOut]
    allowed_actions: list[str]


class StaffProjectSummary(msgspec.Struct):
    id: int
    title: str
    status: str
    category: str
    target_fen: int
    event_number: int | None
    owner_name: str
    community_name: str


class AuditEntryOut(msgspec.Struct):
    created_at: dt.datetime
    actor: str
    action: str
    reason: str
    data: dict[str, Any]
