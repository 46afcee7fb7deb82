"""The auditor portal (/audit): read-only pages over the ledger for auditors and organizers
(part of the ledger domain's ROUTES; the audit log itself is service/audit).

Nothing here writes except the exports' manifests, which the exports domain records.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, get
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template

from service.auth.guards import CurrentStaff, requires_financial_reader
from service.errors import NotFound
from service.events.lookup import event_or_404
from service.events.tables import Event
from service.exports.base import Scope
from service.exports.exporters import GENERAL_FUND_TITLE, StatementExporter
from service.exports.services import recent_exports
from service.ledger.balances import (
    FundFigures,
    event_fund_figures,
    event_total,
    project_fund_figures,
)
from service.ledger.records import AuditedEvent, AuditedProject
from service.ledger.reports import (
    JournalFilter,
    journal_page,
    receipts_register,
    trial_balance,
    unpaid_pledges,
)
from service.ledger.services import head
from service.ledger.tables import LedgerCheck, LedgerTransaction
from service.matching import queries as matching_queries
from service.projects.tables import Project

EventNumber = Annotated[int, PathParameter(gt=0, le=10_000, description="Edition number")]
ProjectId = Annotated[int, PathParameter(gt=0, le=2**31 - 1, description="Project id")]
Text = Annotated[str | None, QueryParameter(max_length=100)]
Day = Annotated[dt.date | None, QueryParameter()]
Page = Annotated[int, QueryParameter(ge=1, le=100_000)]
OptionalId = Annotated[int | None, QueryParameter(gt=0, le=2**31 - 1)]

KINDS = [kind.value for kind in LedgerTransaction.Kind]


async def _event(number: int) -> AuditedEvent:
    return await event_or_404(number, Event.id, Event.number, Event.title, Event.status)


async def _projects(event_id: int) -> list[AuditedProject]:
    return (
        await Project.select(Project.id, Project.title, Project.target_fen, Project.status)
        .where(Project.event == event_id)
        .order_by(Project.id)
    )


async def _common(staff: Any) -> dict[str, Any]:
    seq, digest = await head()
    return {"staff": staff, "head_seq": seq, "head_hash": digest}


def _query(filters: JournalFilter, page: int) -> str:
    values = {
        "date_from": filters.date_from,
        "date_to": filters.date_to,
        "project": filters.project_id,
        "account": filters.account,
        "kind": filters.kind,
        "page": page,
    }
    return urlencode({k: str(v) for k, v in values.items() if v})


class AuditPortal(Controller):
    path = "/audit"
    guards = [requires_financial_reader]
    include_in_schema = False

    @get("/", name="audit")
    async def home(self, staff: CurrentStaff) -> Template:
        events = await Event.select(Event.number, Event.title, Event.status).order_by(
            Event.number, ascending=False
        )
        check = await LedgerCheck.select().order_by(LedgerCheck.id, ascending=False).first()
        return Template(
            "audit/home.html",
            context={
                **await _common(staff),
                "events": events,
                "check": check,
                "exports": await recent_exports(20),
            },
        )

    @get("/events/{number:int}", name="audit_event")
    async def event(self, staff: CurrentStaff, number: EventNumber) -> Template:
        event = await _event(number)
        figures = await event_fund_figures(event["id"])
        projects = await _projects(event["id"])
        rows = [{**p, "figures": figures.get(p["id"], FundFigures())} for p in projects]
        return Template(
            "audit/event.html",
            context={
                **await _common(staff),
                "event": event,
                "projects": rows,
                "general": figures.get(None),
                "total": event_total(figures),
                "target": sum(p["target_fen"] for p in projects),
            },
        )

    @get("/events/{number:int}/journal", name="audit_journal")
    async def journal(
        self,
        staff: CurrentStaff,
        number: EventNumber,
        date_from: Day = None,
        date_to: Day = None,
        project: OptionalId = None,
        account: Text = None,
        kind: Text = None,
        page: Page = 1,
    ) -> Template:
        event = await _event(number)
        filters = JournalFilter(date_from, date_to, project, account or None, kind or None)
        rows, more = await journal_page(event["id"], filters, page)
        return Template(
            "audit/journal.html",
            context={
                **await _common(staff),
                "event": event,
                "rows": rows,
                "more": more,
                "page": page,
                "filters": filters,
                "prev_query": _query(filters, page - 1),
                "next_query": _query(filters, page + 1),
                "kinds": KINDS,
                "projects": await _projects(event["id"]),
            },
        )

    @get("/events/{number:int}/trial-balance", name="audit_trial_balance")
    async def trial_balance(self, staff: CurrentStaff, number: EventNumber) -> Template:
        event = await _event(number)
        accounts = await trial_balance(event["id"])
        return Template(
            "audit/trial_balance.html",
            context={
                **await _common(staff),
                "event": event,
                "accounts": accounts,
                "debits": sum(a["debit"] for a in accounts),
                "credits": sum(a["credit"] for a in accounts),
            },
        )

    @get("/events/{number:int}/unpaid", name="audit_unpaid")
    async def unpaid(self, staff: CurrentStaff, number: EventNumber) -> Template:
        event = await _event(number)
        rows = await unpaid_pledges(event["id"])
        return Template(
            "audit/unpaid.html",
            context={
                **await _common(staff),
                "event": event,
                "rows": rows,
                "total": sum(r["outstanding_fen"] for r in rows),
                "general_title": GENERAL_FUND_TITLE,
            },
        )

    @get("/events/{number:int}/receipts", name="audit_receipts")
    async def receipts(self, staff: CurrentStaff, number: EventNumber) -> Template:
        event = await _event(number)
        return Template(
            "audit/receipts.html",
            context={
                **await _common(staff),
                "event": event,
                "register": await receipts_register(event["id"]),
            },
        )

    @get("/events/{number:int}/matching", name="audit_matching")
    async def matching(self, staff: CurrentStaff, number: EventNumber) -> Template:
        event = await _event(number)
        return Template(
            "audit/matching.html",
            context={
                **await _common(staff),
                "event": event,
                "pools": await matching_queries.list_pools(event["id"]),
                "decisions": await matching_queries.decisions_for_event(event["id"]),
            },
        )

    @get("/projects/{project_id:int}", name="audit_project")
    async def project(self, staff: CurrentStaff, project_id: ProjectId) -> Template:
        project = (
            await Project.select(
                Project.id,
                Project.title,
                Project.target_fen,
                Project.status,
                Project.event.id.as_alias("event_id"),
                Project.event.number.as_alias("event_number"),
            )
            .where(Project.id == project_id)
            .first()
        )
        if project is None:
            raise NotFound.on("project_id", f"no project {project_id}")
        seq, _ = await head()
        exporter = StatementExporter(
            Scope(project["event_id"], project["event_number"], project_id, seq)
        )
        lines = [dict(zip(exporter.columns, row, strict=True)) async for row in exporter.rows()]
        return Template(
            "audit/project.html",
            context={
                **await _common(staff),
                "project": project,
                "figures": await project_fund_figures(project_id),
                "lines": lines,
            },
        )
