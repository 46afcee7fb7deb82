"""Running balances: every posting moves its accounts' `ledger_balance` rows in the same
transaction, so any account's (project's, edition's) figures are one indexed read
instead of a sum over its history.

`post` is the only writer: it writes a transaction's entries and the balances they move
together (on PostgreSQL in one statement, the balances aggregated from the very rows
inserted). Reversals are postings too, so they move the balances back. The rows are
checked against the entries by `ledger verify` and the periodic check
(`balance_findings`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from service.db import is_sqlite
from service.ledger.tables import LedgerEntry

if TYPE_CHECKING:
    from service.ledger.accounts import Line

_UPSERT = (
    "INSERT INTO ledger_balance (account, balance_fen, entries, last_seq) "
    "SELECT account, SUM(amount_fen), COUNT(*), {} FROM %s WHERE true GROUP BY account "
    "ON CONFLICT (account) DO UPDATE SET "
    "balance_fen = ledger_balance.balance_fen + excluded.balance_fen, "
    "entries = ledger_balance.entries + excluded.entries, "
    "last_seq = excluded.last_seq"
)


def _entries_insert(transaction_id: uuid.UUID, lines: Sequence[Line]) -> tuple[str, list]:
    """The entries in one statement, naming each account by its code (the accounts exist)."""
    values = ", ".join(  # placeholders only: nothing from input
        "({}, (SELECT id FROM ledger_account WHERE code = {}), {}, {}, {})" for _ in lines
    )
    args: list[object] = []
    for position, line in enumerate(lines):
        args += [transaction_id, line.account.code, line.amount_fen, position, line.note]
    columns = '"transaction", account, amount_fen, line, note'
    sql = f"INSERT INTO ledger_entry ({columns}) VALUES {values}"  # noqa: S608
    return sql, args


async def insert_entries(transaction_id: uuid.UUID, seq: int, lines: Sequence[Line]) -> None:
    """Write the transaction's entries and add them to their accounts' running balances.
    Runs inside `post`'s transaction, under the chain lock."""
    insert, args = _entries_insert(transaction_id, lines)
    if is_sqlite():  # no data-modifying CTEs: two statements in the same transaction
        await LedgerEntry.raw(insert, *args)
        source = '(SELECT account, amount_fen FROM ledger_entry WHERE "transaction" = {})'
        await LedgerEntry.raw(_UPSERT % source, seq, transaction_id)
        return
    sql = f"WITH new_entries AS ({insert} RETURNING account, amount_fen) " + (
        _UPSERT % "new_entries"
    )
    # The CTE's placeholders come first in the text, the seq after them.
    await LedgerEntry.raw(sql, *args, seq)


_FINDINGS_SQL = """
SELECT a.code AS code, COALESCE(b.balance_fen, 0) AS running, COALESCE(b.entries, 0) AS counted,
       COALESCE(s.total, 0) AS total, COALESCE(s.lines, 0) AS lines
FROM ledger_account a
LEFT JOIN ledger_balance b ON b.account = a.id
LEFT JOIN (SELECT account, SUM(amount_fen) AS total, COUNT(*) AS lines
           FROM ledger_entry GROUP BY account) s ON s.account = a.id
WHERE COALESCE(b.balance_fen, 0) <> COALESCE(s.total, 0)
   OR COALESCE(b.entries, 0) <> COALESCE(s.lines, 0)
ORDER BY a.code
"""


async def balance_findings() -> list[str]:
    """Every account whose running balance differs from the sum of its entries."""
    rows = await LedgerEntry.raw(_FINDINGS_SQL)
    return [
        f"account {row['code']}: running balance {int(row['running'])} fen over "
        f"{int(row['counted'])} entries, but its entries sum to {int(row['total'])} fen "
        f"over {int(row['lines'])}"
        for row in rows
    ]
