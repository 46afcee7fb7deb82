"""The exports an auditor can take: each a small Exporter subclass that yields rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from service.disbursements.exporters import DisbursementRegisterExporter, EvidenceIndexExporter
from service.exports.base import Exporter
from service.exports.fastcsv import neutralised_sql
from service.exports.stream import stream_rows
from service.ledger.tables import LedgerEntry
from service.pledges import money

GENERAL_FUND_TITLE = "公共基金"


async def _count(sql: str, *args: Any) -> int:
    # sql is built from constants in this module; values travel as parameters
    rows = await LedgerEntry.raw(f"SELECT COUNT(*) AS n FROM ({sql}) counted", *args)  # noqa: S608
    return int(rows[0]["n"])


class JournalExporter(Exporter):
    """Every ledger entry of the edition, in chain order: the general journal."""

    identifier = "journal"
    title = "总分类账流水"
    columns = (
        "seq",
        "occurred_at",
        "kind",
        "key",
        "transaction_id",
        "project_id",
        "account",
        "account_type",
        "debit_fen",
        "credit_fen",
        "memo",
        "hash",
    )
    money_columns = ("debit_fen", "credit_fen")
    debit_column = "debit_fen"
    credit_column = "credit_fen"

    def _query(self, select: str, order: bool = True) -> tuple[str, list[Any]]:
        args: list[Any] = [self.scope.event_id, self.scope.through_seq]
        sql = (
            f"SELECT {select} FROM ledger_transaction t "  # noqa: S608 - constant parts
            'JOIN ledger_entry e ON e."transaction" = t.id '
            "JOIN ledger_account a ON a.id = e.account "
            "WHERE t.event = {} AND t.seq <= {}"
        )
        if self.scope.project_id is not None:
            sql += " AND t.project = {}"
            args.append(self.scope.project_id)
        if order:
            sql += " ORDER BY t.seq, e.line"
        return sql, args

    async def rows(self) -> AsyncIterator[tuple[Any, ...]]:
        sql, args = self._query(
            "t.seq, t.occurred_at, t.kind, t.key, t.id, t.project, a.code, a.type, "
            "CASE WHEN e.amount_fen > 0 THEN e.amount_fen ELSE 0 END, "
            "CASE WHEN e.amount_fen < 0 THEN -e.amount_fen ELSE 0 END, t.memo, t.hash"
        )
        async for row in stream_rows(sql, *args):
            yield row

    async def count(self) -> int:
        sql, args = self._query("e.id", order=False)
        return await _count(sql, *args)

    def copy_csv_sql(self) -> tuple[tuple[str, list[Any]], tuple[str, list[Any]]]:
        cells = [
            "t.seq AS seq",
            "t.occurred_at AS occurred_at",
            "t.kind AS kind",
            f"{neutralised_sql('t.key')} AS key",
            "t.id AS transaction_id",
            "t.project AS project_id",
            f"{neutralised_sql('a.code')} AS account",
            "a.type AS account_type",
            "CASE WHEN e.amount_fen > 0 THEN e.amount_fen ELSE 0 END AS debit_fen",
            "CASE WHEN e.amount_fen < 0 THEN -e.amount_fen ELSE 0 END AS credit_fen",
            f"{neutralised_sql('t.memo')} AS memo",
            "t.hash AS hash",
        ]
        select = self._query(", ".join(cells))
        aggregate = self._query(
            "COUNT(*), "
            "COALESCE(SUM(CASE WHEN e.amount_fen > 0 THEN e.amount_fen ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN e.amount_fen < 0 THEN -e.amount_fen ELSE 0 END), 0)",
            order=False,
        )
        return select, aggregate


_STATEMENT_SELECT = """
SELECT a.project, p.title, t.seq, t.occurred_at, t.kind, t.memo,
  SUM(CASE WHEN a.type = 'pledged' THEN -e.amount_fen ELSE 0 END),
  SUM(CASE WHEN a.type IN ('pledged', 'receivable') THEN -e.amount_fen ELSE 0 END),
  SUM(CASE WHEN a.type = 'matched' THEN -e.amount_fen ELSE 0 END),
  SUM(CASE WHEN a.type = 'refunded' THEN e.amount_fen ELSE 0 END),
  SUM(CASE WHEN a.type = 'disbursed' THEN e.amount_fen ELSE 0 END),
  SUM(CASE WHEN a.type = 'fees' THEN e.amount_fen ELSE 0 END),
  SUM(CASE WHEN a.type = 'reallocated' THEN e.amount_fen ELSE 0 END),
  SUM(-e.amount_fen)
FROM ledger_entry e
JOIN ledger_account a ON a.id = e.account
JOIN ledger_transaction t ON t.id = e."transaction"
LEFT JOIN project p ON p.id = a.project
WHERE (p.event = {} OR (a.project IS NULL AND a.event = {}))
  AND a.type <> 'pool' AND t.seq <= {}
"""
_STATEMENT_GROUP = " GROUP BY a.project, p.title, t.seq, t.occurred_at, t.kind, t.memo"


class StatementExporter(Exporter):
    """Per project (and the general fund): what each transaction did to its figures, with
    the running balance. The last row of a project shows its balance."""

    identifier = "statement"
    title = "项目资金对账单"
    columns = (
        "project_id",
        "project",
        "seq",
        "occurred_at",
        "kind",
        "memo",
        "pledged_fen",
        "received_fen",
        "matched_fen",
        "refunded_fen",
        "disbursed_fen",
        "fees_fen",
        "reallocated_fen",
        "balance_change_fen",
        "balance_fen",
    )
    money_columns = columns[6:14]

    def _query(self, order: bool = True) -> tuple[str, list[Any]]:
        args: list[Any] = [self.scope.event_id, self.scope.event_id, self.scope.through_seq]
        sql = _STATEMENT_SELECT
        if self.scope.project_id is not None:
            sql += " AND a.project = {}"
            args.append(self.scope.project_id)
        sql += _STATEMENT_GROUP
        if order:
            sql += " ORDER BY CASE WHEN a.project IS NULL THEN 1 ELSE 0 END, a.project, t.seq"
        return sql, args

    async def rows(self) -> AsyncIterator[tuple[Any, ...]]:
        sql, args = self._query()
        current: object = object()
        balance = 0
        async for row in stream_rows(sql, *args):
            project = row[0]
            if project != current:
                current, balance = project, 0
            balance += int(row[13])
            title = row[1] if project is not None else GENERAL_FUND_TITLE
            yield (project, title, *row[2:6], *(int(v) for v in row[6:14]), balance)

    async def count(self) -> int:
        sql, args = self._query(order=False)
        return await _count(sql, *args)


class PledgeRegisterExporter(Exporter):
    """Every pledge of the edition with what has been paid and what is still owed."""

    identifier = "pledges"
    title = "认捐登记簿"
    columns = (
        "pledge_id",
        "created_at",
        "donor",
        "anonymous",
        "project_id",
        "project",
        "channel",
        "status",
        "amount_fen",
        "paid_fen",
        "outstanding_fen",
        "due_on",
    )
    money_columns = ("amount_fen", "paid_fen", "outstanding_fen")

    def _query(self, order: bool = True) -> tuple[str, list[Any]]:
        # One streaming statement; "paid" is `pledges.money.paid_fen`'s rule in SQL
        # (succeeded payments), and the outstanding amount is `pledges.money.outstanding`.
        args: list[Any] = [self.scope.event_id]
        sql = (
            "SELECT pl.id, pl.created_at, d.display_name, d.anonymous, pl.project, pr.title, "
            "pl.channel, pl.status, pl.amount_fen, COALESCE(paid.total, 0), pl.due_on "
            "FROM pledge pl JOIN donor d ON d.id = pl.donor "
            "LEFT JOIN project pr ON pr.id = pl.project "
            "LEFT JOIN (SELECT pledge, SUM(amount_fen) AS total FROM payment "
            "WHERE status = 'succeeded' GROUP BY pledge) paid ON paid.pledge = pl.id "
            "WHERE pl.event = {}"
        )
        if self.scope.project_id is not None:
            sql += " AND pl.project = {}"
            args.append(self.scope.project_id)
        if order:
            sql += " ORDER BY pl.created_at, pl.id"
        return sql, args

    async def rows(self) -> AsyncIterator[tuple[Any, ...]]:
        sql, args = self._query()
        async for row in stream_rows(sql, *args):
            amount, paid = int(row[8]), int(row[9])
            outstanding = money.outstanding(amount, paid, row[7])
            title = row[5] if row[4] is not None else GENERAL_FUND_TITLE
            yield (*row[:5], title, row[6], row[7], amount, paid, outstanding, row[10])

    async def count(self) -> int:
        sql, args = self._query(order=False)
        return await _count(sql, *args)


class ReceiptsRegisterExporter(Exporter):
    """Every receipt number of the edition, voids included, in number order."""

    identifier = "receipts"
    title = "收据登记簿"
    columns = (
        "number",
        "status",
        "issued_at",
        "amount_fen",
        "title",
        "donor",
        "payment_id",
        "project_id",
        "replaces_number",
        "voided_at",
        "void_reason",
        "verification_code",
    )
    money_columns = ("amount_fen",)

    def _query(self, order: bool = True) -> tuple[str, list[Any]]:
        args: list[Any] = [self.scope.event_id]
        sql = (
            "SELECT r.number, r.status, r.issued_at, r.amount_fen, r.title, d.display_name, "
            "r.payment, pl.project, old.number, r.voided_at, r.void_reason, "
            "r.verification_code "
            "FROM receipt r JOIN donor d ON d.id = r.donor "
            "JOIN payment py ON py.id = r.payment JOIN pledge pl ON pl.id = py.pledge "
            "LEFT JOIN receipt old ON old.id = r.replaces "
            "WHERE r.event = {}"
        )
        if self.scope.project_id is not None:
            sql += " AND pl.project = {}"
            args.append(self.scope.project_id)
        if order:
            sql += " ORDER BY r.number"
        return sql, args

    async def rows(self) -> AsyncIterator[tuple[Any, ...]]:
        sql, args = self._query()
        async for row in stream_rows(sql, *args):
            yield row

    async def count(self) -> int:
        sql, args = self._query(order=False)
        return await _count(sql, *args)


class MatchingRegisterExporter(Exporter):
    """Every settled gift of an edition with pools and what matching did for it: the pool,
    the outcome (matched, none, held, released, refused) and why, what was matched and
    what refunds gave back to the pool."""

    identifier = "matching"
    title = "配捐登记簿"
    columns = (
        "payment_id",
        "pledge_id",
        "settled_at",
        "donor",
        "project_id",
        "project",
        "pool_id",
        "pool",
        "sponsor",
        "outcome",
        "reason",
        "gift_fen",
        "matched_fen",
        "released_fen",
        "net_matched_fen",
        "reviewed_at",
        "review_reason",
    )
    money_columns = ("gift_fen", "matched_fen", "released_fen", "net_matched_fen")

    def _query(self, order: bool = True) -> tuple[str, list[Any]]:
        args: list[Any] = [self.scope.event_id]
        sql = (
            "SELECT d.payment, d.pledge, py.settled_at, dn.display_name, pl.project, pr.title, "
            "d.pool, mp.name, o.name, d.outcome, d.reason, py.amount_fen, d.matched_fen, "
            "COALESCE((SELECT SUM(r.amount_fen) FROM match_release r "
            "JOIN match_allocation m ON m.id = r.allocation WHERE m.payment = d.payment), 0), "
            "d.reviewed_at, d.review_reason "
            "FROM match_decision d JOIN payment py ON py.id = d.payment "
            "JOIN pledge pl ON pl.id = d.pledge JOIN donor dn ON dn.id = pl.donor "
            "LEFT JOIN project pr ON pr.id = pl.project "
            "LEFT JOIN matching_pool mp ON mp.id = d.pool "
            "LEFT JOIN organization o ON o.id = mp.sponsor "
            "WHERE pl.event = {}"
        )
        if self.scope.project_id is not None:
            sql += " AND pl.project = {}"
            args.append(self.scope.project_id)
        if order:
            sql += " ORDER BY py.settled_at, d.payment"
        return sql, args

    async def rows(self) -> AsyncIterator[tuple[Any, ...]]:
        sql, args = self._query()
        async for row in stream_rows(sql, *args):
            title = row[5] if row[4] is not None else GENERAL_FUND_TITLE
            gift, matched, released = int(row[11]), int(row[12]), int(row[13])
            yield (
                *row[:5],
                title,
                *row[6:11],
                gift,
                matched,
                released,
                matched - released,
                row[14],
                row[15],
            )

    async def count(self) -> int:
        sql, args = self._query(order=False)
        return await _count(sql, *args)


EXPORTERS: dict[str, type[Exporter]] = {
    cls.identifier: cls
    for cls in (
        JournalExporter,
        StatementExporter,
        PledgeRegisterExporter,
        ReceiptsRegisterExporter,
        MatchingRegisterExporter,
        DisbursementRegisterExporter,
        EvidenceIndexExporter,
    )
}
