"""The auditor's exports of money out: the disbursement register and the evidence index
(registered with the other exporters in service/exports/exporters.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from service.exports.base import Exporter
from service.exports.stream import stream_rows
from service.ledger.tables import LedgerEntry


async def _count(sql: str, *args: Any) -> int:
    # sql is built from constants in this module; values travel as parameters
    rows = await LedgerEntry.raw(f"SELECT COUNT(*) AS n FROM ({sql}) counted", *args)  # noqa: S608
    return int(rows[0]["n"])


class _Scoped(Exporter):
    select: str = ""
    order_by: str = ""

    def select_args(self) -> list[Any]:
        """Values for placeholders inside `select`."""
        return []

    def _query(self, order: bool = True) -> tuple[str, list[Any]]:
        args: list[Any] = [*self.select_args(), self.scope.event_id]
        sql = self.select + " WHERE p.event = {}"
        if self.scope.project_id is not None:
            sql += " AND d.project = {}"
            args.append(self.scope.project_id)
        if order:
            sql += " ORDER BY " + self.order_by
        return sql, args

    async def rows(self) -> AsyncIterator[tuple[Any, ...]]:
        sql, args = self._query()
        async for row in stream_rows(sql, *args):
            yield row

    async def count(self) -> int:
        sql, args = self._query(order=False)
        return await _count(sql, *args)


class DisbursementRegisterExporter(_Scoped):
    """Every disbursement request of the edition with its decision and payout; `paid_fen`
    counts only payouts posted at or before the export's ledger head, so its total equals
    the journal's disbursed amount at that head."""

    identifier = "disbursements"
    title = "拨付登记簿"
    columns = (
        "disbursement_id",
        "project_id",
        "project",
        "budget_line",
        "milestone",
        "payee",
        "purpose",
        "status",
        "amount_fen",
        "paid_fen",
        "requested_at",
        "requested_by",
        "approved_at",
        "approved_by",
        "decision_reason",
        "paid_on",
        "bank_reference",
        "ledger_seq",
        "evidence_files",
        "public_evidence_files",
    )
    money_columns = ("amount_fen", "paid_fen")
    order_by = "d.created_at, d.id"

    select = (
        "SELECT d.id, d.project, p.title, b.item, d.milestone, d.payee, d.purpose, "
        "d.status, d.amount_fen, "
        "CASE WHEN t.seq IS NOT NULL AND t.seq <= {} THEN d.amount_fen ELSE 0 END, "
        "d.created_at, rq.display_name, d.approved_at, ap.display_name, "
        "d.decision_reason, d.paid_on, d.bank_reference, t.seq, "
        "(SELECT COUNT(*) FROM disbursement_evidence ev WHERE ev.disbursement = d.id), "
        "(SELECT COUNT(*) FROM disbursement_evidence ev WHERE ev.disbursement = d.id "
        "AND ev.public) "
        "FROM disbursement d JOIN project p ON p.id = d.project "
        "LEFT JOIN budget_line b ON b.id = d.budget_line "
        "LEFT JOIN staff_user rq ON rq.id = d.requested_by "
        "LEFT JOIN staff_user ap ON ap.id = d.approved_by "
        "LEFT JOIN ledger_transaction t ON t.key = 'disbursement:' || "
        "CAST(d.id AS VARCHAR(36))"
    )

    def select_args(self) -> list[Any]:
        return [self.scope.through_seq]


class EvidenceIndexExporter(_Scoped):
    """Every evidence file of the edition's disbursements: what it is, whether it is
    public, and its SHA-256 — an auditor checks a file they hold against it."""

    identifier = "evidence"
    title = "拨付凭证索引"
    columns = (
        "evidence_id",
        "disbursement_id",
        "project_id",
        "project",
        "disbursement_status",
        "kind",
        "title",
        "media_type",
        "size_bytes",
        "sha256",
        "public",
        "stored_name",
        "uploaded_at",
    )
    order_by = "d.created_at, ev.created_at, ev.id"
    select = (
        "SELECT ev.id, d.id, d.project, p.title, d.status, ev.kind, ev.title, ev.media_type, "
        "ev.size_bytes, ev.sha256, ev.public, ev.stored_name, ev.created_at "
        "FROM disbursement_evidence ev JOIN disbursement d ON d.id = ev.disbursement "
        "JOIN project p ON p.id = d.project"
    )
