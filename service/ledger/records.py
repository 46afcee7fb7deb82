"""The shapes of the ledger report rows the services read and hand around (raw SQL and
Piccolo selects are plain dicts): typed records that document the keys, nothing at run
time."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TypedDict


class TrialBalanceLine(TypedDict):
    """An account moved by the edition, with its balance (`reports.trial_balance`)."""

    code: str
    name: str
    type: str
    total: int | Decimal
    """The signed sum of the entries (a numeric from PostgreSQL's SUM)."""
    debit: int
    credit: int


class UnpaidPledgeLine(TypedDict):
    """A pledge not (fully) paid (`reports.unpaid_pledges`)."""

    id: uuid.UUID
    created_at: dt.datetime
    donor: str
    """The donor's display name."""
    project: int | None
    title: str | None
    """The project's title; None for the general fund."""
    status: str
    channel: str
    amount_fen: int
    paid_fen: int
    due_on: dt.date | None
    outstanding_fen: int
    overdue: bool


class RegisterReceipt(TypedDict):
    """A receipt in the edition's register (`reports.receipts_register`)."""

    number: int
    status: str
    issued_at: dt.datetime
    amount_fen: int
    title: str
    payment: uuid.UUID
    voided_at: dt.datetime | None
    void_reason: str


class JournalLine(TypedDict):
    """One entry of the journal with its transaction (`reports.journal_page`)."""

    seq: int
    occurred_at: dt.datetime
    kind: str
    memo: str
    project: int | None
    """The transaction's project."""
    account: str
    """The account's code."""
    account_type: str
    amount_fen: int
    hash: str


class ChainTransaction(TypedDict):
    """`LedgerTransaction.select()` with its entries as (account code, amount) in line
    order (`services.iter_transactions`)."""

    id: uuid.UUID
    seq: int
    key: str
    kind: str
    event: int | None
    project: int | None
    memo: str
    occurred_at: dt.datetime
    posted_at: dt.datetime
    prev_hash: str
    hash: str
    entries: list[tuple[str, int]]


class AuditedEvent(TypedDict):
    """The event the audit portal's pages are about (`auditor_pages._event`)."""

    id: int
    number: int
    title: str
    status: str


class AuditedProject(TypedDict):
    """A project of the audited event (`auditor_pages._projects`)."""

    id: int
    title: str
    target_fen: int
    status: str
