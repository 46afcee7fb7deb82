"""Fund-use disclosure over HTTP: a project's fund use (public API), and the disclosure
board of every project (console page and staff API)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.params import PathParameter
from litestar.response import Template

from service.auth.guards import CurrentStaff, requires_staff
from service.bounds import OptionalEventNumber
from service.clock import today
from service.disclosure.calendar import ProjectCalendar
from service.disclosure.fund_use import project_disclosure
from service.disclosure.records import ProjectDisclosure
from service.disclosure.schemas import (
    DisclosureOut,
    FundFiguresOut,
    FundUseOut,
    LineSpending,
    PaidDisbursement,
    ProjectDisclosureRow,
    ReportOut,
)
from service.disclosure.services import board
from service.projects.services import public_project_and_figures

ProjectId = Annotated[int, PathParameter(gt=0, le=2**31 - 1, description="Project id")]


def _disclosures(calendar: ProjectCalendar, only_overdue: bool = False) -> list[DisclosureOut]:
    items = calendar.overdue if only_overdue else calendar.disclosures
    return [DisclosureOut(d.kind, d.period_start, d.due_on, d.state, d.satisfied_on) for d in items]


def fund_use_out(project_id: int, disclosure: ProjectDisclosure) -> FundUseOut:
    f = disclosure["figures"]
    return FundUseOut(
        project_id=project_id,
        figures=FundFiguresOut(
            raised=f.received,
            matched=f.matched,
            refunded=f.refunded,
            fees=f.fees,
            disbursed=f.disbursed,
            reallocated=f.reallocated,
            balance=f.balance,
        ),
        by_budget_line=msgspec.convert(disclosure["by_line"], list[LineSpending]),
        disbursements=msgspec.convert(disclosure["disbursements"], list[PaidDisbursement]),
        timeline=msgspec.convert(disclosure["timeline"], list[ReportOut]),
        disclosure_state=disclosure["calendar"].state,
        disclosures=_disclosures(disclosure["calendar"]),
    )


class FundUseApi(Controller):
    path = "/api/v1/projects"
    tags = ["disclosure"]

    @get("/{project_id:int}/fund-use", operation_id="getProjectFundUse", cache=True)
    async def fund_use(self, project_id: ProjectId) -> FundUseOut:
        """Raised, matched, disbursed, balance; spending per budget line; paid
        disbursements with their public evidence; progress; the disclosure calendar."""
        _, figures = await public_project_and_figures(project_id)  # 404 unless public
        disclosure = await project_disclosure(project_id, figures)
        return fund_use_out(project_id, disclosure)


def _rows(rows: list) -> list[ProjectDisclosureRow]:
    return [
        ProjectDisclosureRow(
            project_id=r.project_id,
            title=r.title,
            event_number=r.event_number,
            status=r.status,
            started_on=r.calendar.started_on,
            completed_on=r.calendar.completed_on,
            state=r.calendar.state,
            next_due_on=r.calendar.next_due.due_on if r.calendar.next_due else None,
            overdue=_disclosures(r.calendar, only_overdue=True),
        )
        for r in rows
    ]


class DisclosureBoard(Controller):
    include_in_schema = True
    tags = ["disclosure"]

    @get(
        "/api/v1/console/disclosures",
        operation_id="listDisclosures",
        guards=[requires_staff],
    )
    async def api(
        self, staff: CurrentStaff, event: OptionalEventNumber = None
    ) -> list[ProjectDisclosureRow]:
        return _rows(await board(today(), staff, event))

    @get(
        "/console/disclosures",
        name="console_disclosures",
        guards=[requires_staff],
        include_in_schema=False,
    )
    async def page(self, staff: CurrentStaff, event: OptionalEventNumber = None) -> Template:
        rows = await board(today(), staff, event)
        return Template(
            "console/disclosures.html",
            context={"staff": staff, "rows": rows, "event": event, "today": today()},
        )


ROUTES = [FundUseApi, DisclosureBoard]
