"""What the statement services read and hand back: typed records of the rows (Piccolo
selects are plain dicts; the records change nothing at run time), and the outcomes of an
import and of a bulk confirmation that pages and the CLI show."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import NotRequired, TypedDict


class AccountRow(TypedDict):
    """`StatementAccount.select()`: every column."""

    id: int
    name: str
    provider: str
    number: str
    holder: str
    created_at: dt.datetime


class MappingRow(TypedDict):
    """`StatementMapping.select()` with its columns read as JSON (`accounts.mappings`)."""

    id: int
    account: int
    name: str
    columns: dict[str, str | list[str]]
    """Role → header name(s)."""
    created_by: int | None
    created_at: dt.datetime


class EntryValues(TypedDict):
    """A new statement line's values, as stored (`importing._row`)."""

    account: int
    statement_import: int
    line_key: str
    direction: str
    booked_on: dt.date
    booked_time: dt.time | None
    amount_fen: int
    fee_fen: int
    payer: str
    payer_account: str
    remark: str
    txn_id: str
    balance_fen: int | None
    source_line: int
    status: str


class EntryRow(EntryValues):
    """`StatementEntry.all_columns()`."""

    id: int
    proposed_pledge: uuid.UUID | None
    proposal_reason: str
    certain: bool
    payment: uuid.UUID | None
    decided_by: int | None
    created_at: dt.datetime


class OpenCredit(EntryRow):
    """A credit line still open, row-locked, with its account's provider
    (`services._locked_open_credit`)."""

    provider: str


class QueueEntry(EntryRow):
    """A line on the treasurer's queue (`services.queue`); the proposed pledge's facts on
    the proposed and done lists only."""

    account_name: str
    proposed_donor: NotRequired[str | None]
    proposed_amount_fen: NotRequired[int | None]
    proposed_project: NotRequired[str | None]


class StatementQueue(TypedDict):
    """The treasurer's view (`services.queue`)."""

    proposed: list[QueueEntry]
    unmatched: list[QueueEntry]
    debits: list[QueueEntry]
    done: list[QueueEntry]


class ImportRow(TypedDict):
    """An import with its account's name (`services.imports`)."""

    id: int
    account: int
    file_name: str
    file_sha256: str
    layout: str
    named_account: str
    lines: int
    new_lines: int
    known_lines: int
    imported_by: int | None
    created_at: dt.datetime
    account_name: str


@dataclass
class ImportOutcome:
    account_id: int
    account_name: str
    import_id: int
    layout: str
    lines: int = 0
    new_credits: int = 0
    new_debits: int = 0
    known: int = 0
    proposed: int = 0
    certain: int = 0


@dataclass
class BulkOutcome:
    applied: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    """(entry id, why) for certain proposals that could not be applied."""
