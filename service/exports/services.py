"""Running an export: pick the exporter and the writer, stream the bytes, and add up the
manifest on the way (rows, debit/credit and money totals, SHA-256, ledger head).

The manifest is also written to the audit log (action "export.ledger", object the
export id), so an auditor can later fetch it by id and prove a file complete and
unaltered: same row count, same totals, same SHA-256, same ledger head.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from service.audit.services import Actor, record
from service.audit.tables import AuditLog
from service.db import write_transaction
from service.errors import InvalidInput, NotFound
from service.events.lookup import event_or_404
from service.events.tables import Event
from service.exports import fastcsv
from service.exports.base import Exporter, Scope
from service.exports.exporters import EXPORTERS
from service.exports.writers import BOM, WRITERS, CsvWriter, Writer
from service.ledger.tables import LedgerTransaction
from service.projects.tables import Project

AUDIT_ACTION = "export.ledger"


@dataclass
class ExportRun:
    """One export in progress. Iterate `chunks()` once; `manifest` is complete after."""

    export_id: uuid.UUID
    exporter: Exporter
    writer: Writer
    actor: Actor
    head_hash: str
    manifest: dict[str, Any] = field(default_factory=dict)
    on_rows: Any = None
    """Optional callable(n) told every time n more rows have been written (progress bars)."""
    on_total: Any = None
    """Optional callable(n) told the row count as soon as it is known (COPY path)."""

    @property
    def row_count_up_front(self) -> bool:
        """True when the export itself learns its row count first (no separate count)."""
        return self._copy_sql() is not None

    @property
    def filename(self) -> str:
        return self.exporter.filename(self.writer.extension)

    @property
    def media_type(self) -> str:
        return self.writer.media_type

    def meta(self) -> dict[str, Any]:
        scope = self.exporter.scope
        return {
            "export_id": str(self.export_id),
            "kind": self.exporter.identifier,
            "title": self.exporter.title,
            "event": scope.event_number,
            "project": scope.project_id,
            "ledger_head_seq": scope.through_seq,
            "ledger_head_hash": self.head_hash,
            "currency": "CNY",
            "amounts": "integer fen",
        }

    async def _counted_rows(
        self, totals: dict[str, int], counter: list[int]
    ) -> AsyncIterator[tuple[Any, ...]]:
        columns = self.exporter.columns
        money = [(name, columns.index(name)) for name in self.exporter.money_columns]
        batch = 0
        async for row in self.exporter.rows():
            for name, index in money:
                totals[name] += row[index] or 0
            counter[0] += 1
            batch += 1
            if self.on_rows is not None and batch == 1000:
                self.on_rows(batch)
                batch = 0
            yield row
        if self.on_rows is not None and batch:
            self.on_rows(batch)

    def _copy_sql(self) -> Any:
        if isinstance(self.writer, CsvWriter) and fastcsv.available():
            return self.exporter.copy_csv_sql()
        return None

    async def _bytes(self, totals: dict[str, int], counter: list[int]) -> AsyncIterator[bytes]:
        """The file's bytes: PostgreSQL's own CSV when the exporter offers SQL for it,
        else the exporter's rows through the writer."""
        copy_sql = self._copy_sql()
        if copy_sql is None:
            rows = self._counted_rows(totals, counter)
            async for chunk in self.writer.write(self.exporter.columns, rows, self.meta()):
                yield chunk
            return
        select, aggregate = copy_sql

        def take(row: tuple[Any, ...]) -> None:
            counter[0] = int(row[0])
            if self.on_total is not None:
                self.on_total(counter[0])
            for name, value in zip(self.exporter.money_columns, row[1:], strict=True):
                totals[name] = int(value)

        def progress(chunk: bytes) -> None:
            if self.on_rows is not None:
                self.on_rows(chunk.count(b"\n"))

        yield BOM.encode()
        async for chunk in fastcsv.copy_csv(select, aggregate, take, progress):
            yield chunk

    async def chunks(self) -> AsyncIterator[bytes]:
        started = dt.datetime.now(dt.UTC)
        totals = dict.fromkeys(self.exporter.money_columns, 0)
        counter = [0]
        digest = hashlib.sha256()
        size = 0
        async for chunk in self._bytes(totals, counter):
            digest.update(chunk)
            size += len(chunk)
            yield chunk
        debit, credit = self.exporter.debit_column, self.exporter.credit_column
        self.manifest = {
            **self.meta(),
            "format": self.writer.extension,
            "filename": self.filename,
            "rows": counter[0],
            "debit_total_fen": totals[debit] if debit else None,
            "credit_total_fen": totals[credit] if credit else None,
            "totals_fen": totals,
            "sha256": digest.hexdigest(),
            "bytes": size,
            "started_at": started.isoformat(),
            "generated_at": dt.datetime.now(dt.UTC).isoformat(),
            "generated_by": self.actor.label,
        }
        async with write_transaction():
            await record(self.actor, AUDIT_ACTION, "export", self.export_id, data=self.manifest)


async def _head_at_most() -> tuple[int, str]:
    row = (
        await LedgerTransaction.select(LedgerTransaction.seq, LedgerTransaction.hash)
        .order_by(LedgerTransaction.seq, ascending=False)
        .first()
    )
    return (row["seq"], row["hash"]) if row else (0, "0" * 64)


async def prepare_export(
    *,
    kind: str,
    fmt: str,
    event_number: int,
    project_id: int | None,
    actor: Actor,
) -> ExportRun:
    if kind not in EXPORTERS:
        raise InvalidInput.on("kind", f"kind is one of {', '.join(EXPORTERS)}")
    if fmt not in WRITERS:
        raise InvalidInput.on("format", f"format is one of {', '.join(WRITERS)}")
    event = await event_or_404(event_number, Event.id)
    if project_id is not None:
        project = (
            await Project.select(Project.id)
            .where((Project.id == project_id) & (Project.event == event["id"]))
            .first()
        )
        if project is None:
            raise NotFound.on("project", f"no project {project_id} in event {event_number}")
    seq, head_hash = await _head_at_most()
    scope = Scope(event["id"], event_number, project_id, seq)
    return ExportRun(
        export_id=uuid.uuid4(),
        exporter=EXPORTERS[kind](scope),
        writer=WRITERS[fmt](),
        actor=actor,
        head_hash=head_hash,
    )


async def get_manifest(export_id: uuid.UUID) -> dict[str, Any]:
    row = (
        await AuditLog.select(AuditLog.data)
        .where(
            (AuditLog.action == AUDIT_ACTION)
            & (AuditLog.object_type == "export")
            & (AuditLog.object_id == str(export_id))
        )
        .output(load_json=True)
        .first()
    )
    if row is None:
        raise NotFound.on("export_id", f"no finished export {export_id}")
    return row["data"]


async def recent_exports(limit: int = 50) -> list[dict[str, Any]]:
    rows = (
        await AuditLog.select(AuditLog.data, AuditLog.created_at)
        .where(AuditLog.action == AUDIT_ACTION)
        .order_by(AuditLog.id, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )
    return [row["data"] for row in rows]
