"""Read-only reports for the auditor portal: journal, trial balance, unpaid pledges and the
receipts register with its gap check. Amounts stay integer fen; pages format them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from service import clock
from service.ledger.records import JournalLine, RegisterReceipt, TrialBalanceLine, UnpaidPledgeLine
from service.ledger.tables import LedgerEntry
from service.pledges import money
from service.pledges.tables import Pledge

JOURNAL_PAGE = 100


@dataclass(frozen=True)
class JournalFilter:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    project_id: int | None = None
    account: str | None = None
    """An account code, or its type (e.g. "cash" or "pledged")."""
    kind: str | None = None


def _journal_where(event_id: int, f: JournalFilter) -> tuple[str, list[Any]]:
    clauses, args = ["t.event = {}"], [event_id]
    if f.date_from:
        clauses.append("t.occurred_at >= {}")
        args.append(dt.datetime.combine(f.date_from, dt.time(), dt.UTC))
    if f.date_to:
        clauses.append("t.occurred_at < {}")
        args.append(dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time(), dt.UTC))
    if f.project_id:
        clauses.append("(t.project = {} OR a.project = {})")
        args += [f.project_id, f.project_id]
    if f.account:
        clauses.append("(a.code = {} OR a.type = {})")
        args += [f.account, f.account]
    if f.kind:
        clauses.append("t.kind = {}")
        args.append(f.kind)
    return " AND ".join(clauses), args


async def journal_page(
    event_id: int, f: JournalFilter, page: int = 1
) -> tuple[list[JournalLine], bool]:
    """One page of entries matching the filter, in chain order; True when more follow."""
    where, args = _journal_where(event_id, f)
    sql = (
        "SELECT t.seq AS seq, t.occurred_at AS occurred_at, t.kind AS kind, t.memo AS memo, "
        "t.project AS project, a.code AS account, a.type AS account_type, "
        "e.amount_fen AS amount_fen, t.hash AS hash "
        'FROM ledger_entry e JOIN ledger_transaction t ON t.id = e."transaction" '
        "JOIN ledger_account a ON a.id = e.account "
        "WHERE " + where + " ORDER BY t.seq, e.line LIMIT {} OFFSET {}"
    )
    rows = await LedgerEntry.raw(
        sql,  # where is built from constant clauses; values travel as parameters
        *args,
        JOURNAL_PAGE + 1,
        (max(page, 1) - 1) * JOURNAL_PAGE,
    )
    return rows[:JOURNAL_PAGE], len(rows) > JOURNAL_PAGE


async def trial_balance(event_id: int) -> list[TrialBalanceLine]:
    """Every account moved by the edition's transactions, with its debit or credit
    balance from those transactions; the debit and credit columns add up to the same."""
    rows = await LedgerEntry.raw(
        "SELECT a.code AS code, a.name AS name, a.type AS type, SUM(e.amount_fen) AS total "
        'FROM ledger_entry e JOIN ledger_transaction t ON t.id = e."transaction" '
        "JOIN ledger_account a ON a.id = e.account WHERE t.event = {} "
        "GROUP BY a.code, a.name, a.type ORDER BY a.type, a.code",
        event_id,
    )
    return [
        {
            **row,
            "debit": max(int(row["total"]), 0),
            "credit": max(-int(row["total"]), 0),
        }
        for row in rows
    ]


async def unpaid_pledges(event_id: int, today: dt.date | None = None) -> list[UnpaidPledgeLine]:
    """Pledged but not (fully) paid, oldest first, with what is owed and whether overdue
    (`pledges.money.unpaid_pledges`)."""
    today = today or clock.today()
    return [
        {
            "id": p.id,
            "created_at": p.created_at,
            "donor": p.donor_name,
            "project": p.project_id,
            "title": p.project_title,
            "status": p.status,
            "channel": p.channel,
            "amount_fen": p.amount_fen,
            "paid_fen": p.paid_fen,
            "due_on": p.due_on,
            "outstanding_fen": p.outstanding_fen,
            "overdue": p.overdue(today),
        }
        for p in await money.unpaid_pledges(Pledge.event == event_id)
    ]


@dataclass(frozen=True)
class ReceiptsRegister:
    receipts: list[RegisterReceipt]
    missing: list[int]
    """Numbers between 1 and the highest issued that have no receipt: must be empty."""
    duplicates: list[int]
    issued_fen: int
    """Total of receipts not void."""


async def receipts_register(event_id: int) -> ReceiptsRegister:
    rows = await LedgerEntry.raw(
        "SELECT r.number AS number, r.status AS status, r.issued_at AS issued_at, "
        "r.amount_fen AS amount_fen, r.title AS title, r.payment AS payment, "
        "r.voided_at AS voided_at, r.void_reason AS void_reason "
        "FROM receipt r WHERE r.event = {} ORDER BY r.number",
        event_id,
    )
    numbers = [int(r["number"]) for r in rows]
    seen: set[int] = set()
    duplicates = sorted({n for n in numbers if n in seen or seen.add(n)})
    highest = max(numbers, default=0)
    missing = [n for n in range(1, highest + 1) if n not in seen]
    issued = sum(int(r["amount_fen"]) for r in rows if r["status"] != "void")
    return ReceiptsRegister(rows, missing, duplicates, issued)
