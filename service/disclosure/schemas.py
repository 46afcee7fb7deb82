"""In/out structs of the disclosure API."""

from __future__ import annotations

import datetime as dt

import msgspec


class EvidenceLink(msgspec.Struct):
    kind: str
    title: str
    media_type: str
    sha256: str
    url: str


class PaidDisbursement(msgspec.Struct):
    paid_on: dt.date | None
    milestone: str
    budget_item: str | None
    purpose: str
    payee: str
    amount_fen: int
    evidence: list[EvidenceLink]


class LineSpending(msgspec.Struct):
    item: str | None
    budget_fen: int
    spent_fen: int


class PhotoLink(msgspec.Struct):
    caption: str
    url: str


class ReportOut(msgspec.Struct):
    report_date: dt.date
    status: str
    title: str
    body: str
    photos: list[PhotoLink]


class DisclosureOut(msgspec.Struct):
    kind: str
    period_start: dt.date
    due_on: dt.date
    state: str
    satisfied_on: dt.date | None


class FundFiguresOut(msgspec.Struct):
    raised: int
    matched: int
    refunded: int
    fees: int
    disbursed: int
    reallocated: int
    balance: int


class FundUseOut(msgspec.Struct):
    project_id: int
    figures: FundFiguresOut
    by_budget_line: list[LineSpending]
    disbursements: list[PaidDisbursement]
    timeline: list[ReportOut]
    disclosure_state: str
    disclosures: list[DisclosureOut]


class ProjectDisclosureRow(msgspec.Struct):
    project_id: int
    title: str
    event_number: int | None
    status: str
    started_on: dt.date | None
    completed_on: dt.date | None
    state: str
    next_due_on: dt.date | None
    overdue: list[DisclosureOut]
