"""Transparency reports over HTTP: the public list, each report's page and PDF, and the
organizers' request (console button and API)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from service.auth.guards import CurrentStaff, requires_organizer
from service.bounds import EventNumberInPath, OptionalEventNumber
from service.reports import services
from service.reports.records import ReportLine
from service.reports.schemas import ReportRequested, ReportSummary


def _summary(row: ReportLine) -> ReportSummary:
    ready = row["status"] == "ready"
    return ReportSummary(
        id=row["id"],
        event_number=row["event_number"],
        status=row["status"],
        head_seq=row["head_seq"],
        head_hash=row["head_hash"],
        figures_sha256=row["figures_sha256"],
        pdf_sha256=row["pdf_sha256"],
        created_at=row["created_at"],
        built_at=row["built_at"],
        url=f"/transparency/{row['id']}" if ready else None,
        pdf_url=f"/transparency/{row['id']}/pdf" if ready else None,
    )


class ReportApi(Controller):
    path = "/api/v1"
    tags = ["transparency"]

    @get("/transparency-reports", operation_id="listTransparencyReports", cache=True)
    async def list(self, event: OptionalEventNumber = None) -> list[ReportSummary]:
        return [_summary(r) for r in await services.list_reports(event)]

    @get("/transparency-reports/{report_id:uuid}", operation_id="getTransparencyReport", cache=True)
    async def detail(self, report_id: FromPath[uuid.UUID]) -> dict[str, Any]:
        """The report's figures (integer fen) and the ledger head they were built from."""
        return (await services.get_report(report_id))["data"]

    @post(
        "/console/events/{number:int}/transparency-reports",
        operation_id="requestTransparencyReport",
        guards=[requires_organizer],
        status_code=202,
    )
    async def request(self, number: EventNumberInPath, staff: CurrentStaff) -> ReportRequested:
        """Build a report at the ledger head of now (a Celery task, through the outbox)."""
        return ReportRequested(await services.request_report(number, staff.actor), "pending")


class ReportPages(Controller):
    include_in_schema = False

    @get("/transparency", name="transparency", cache=True)
    async def index(self, event: OptionalEventNumber = None) -> Template:
        return Template(
            "reports/list.html", context={"reports": await services.list_reports(event)}
        )

    @get("/transparency/{report_id:uuid}", name="transparency_report", cache=True)
    async def page(self, report_id: FromPath[uuid.UUID]) -> Template:
        return Template("reports/report.html", context={"r": await services.get_report(report_id)})

    @get("/transparency/{report_id:uuid}/pdf", name="transparency_pdf")
    async def pdf(self, report_id: FromPath[uuid.UUID]) -> Response[bytes]:
        row = await services.get_report(report_id)
        return Response(
            await services.read_pdf(row["pdf_name"]),
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="{row["pdf_name"]}"',
                "Cache-Control": "public, max-age=86400",
            },
        )

    @post(
        "/console/events/{number:int}/transparency-reports",
        guards=[requires_organizer],
    )
    async def request_page(self, number: EventNumberInPath, staff: CurrentStaff) -> Redirect:
        await services.request_report(number, staff.actor)
        return Redirect(f"/transparency?event={number}", status_code=303)


ROUTES = [ReportApi, ReportPages]
