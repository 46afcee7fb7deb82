"""Exports over HTTP: streamed files for auditors and organizers, and their manifests.

Mounted through `service/ledger/controllers.py` (this domain has no tables).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from litestar import Controller, get
from litestar.params import PathParameter, QueryParameter
from litestar.response import Stream

from service.auth.guards import CurrentStaff, requires_financial_reader
from service.bounds import EventNumber, OptionalProject
from service.exports.services import get_manifest, prepare_export

ExportKind = Literal[
    "journal", "statement", "pledges", "receipts", "matching", "disbursements", "evidence"
]
ExportFormat = Literal["csv", "xlsx", "json"]


class ExportApi(Controller):
    path = "/api/v1/exports"
    tags = ["exports"]
    guards = [requires_financial_reader]

    @get("/ledger", operation_id="exportLedger")
    async def export_ledger(
        self,
        staff: CurrentStaff,
        event: EventNumber,
        format: Annotated[ExportFormat, QueryParameter(description="File format")] = "csv",
        kind: Annotated[ExportKind, QueryParameter(description="What to export")] = "journal",
        project: OptionalProject = None,
    ) -> Stream:
        """Stream the export; `X-Export-Id` names its manifest, available once the
        download has finished at /api/v1/exports/{id}/manifest."""
        run = await prepare_export(
            kind=kind, fmt=format, event_number=event, project_id=project, actor=staff.actor
        )
        return Stream(
            run.chunks(),
            media_type=run.media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{run.filename}"',
                "X-Export-Id": str(run.export_id),
                "X-Ledger-Head-Hash": run.head_hash,
                "X-Ledger-Head-Seq": str(run.exporter.scope.through_seq),
                "Cache-Control": "no-store",
            },
        )

    @get("/{export_id:uuid}/manifest", operation_id="getExportManifest")
    async def manifest(
        self, export_id: Annotated[uuid.UUID, PathParameter(description="X-Export-Id")]
    ) -> dict[str, Any]:
        return await get_manifest(export_id)


ROUTES = [ExportApi]
