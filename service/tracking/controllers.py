"""The funding dashboard: every project's figures now, alerts, and funding over time."""

from __future__ import annotations

import datetime as dt

from litestar import Controller, get
from litestar.response import Template

from service.auth.guards import requires_financial_reader
from service.bounds import OptionalEventNumber
from service.errors import NotFound
from service.events.lookup import event_or_404
from service.events.tables import Event
from service.ledger.balances import FundFigures, event_fund_figures
from service.settings import get_settings
from service.timefmt import when
from service.tracking import charts
from service.tracking.services import (
    Thresholds,
    find_alerts,
    funded_percent,
    history,
    tracked_projects,
)

CHART_W, CHART_H = 720, 240
SPARK_W, SPARK_H = 160, 32


async def _event(number: int | None) -> dict:
    columns = (Event.id, Event.number, Event.title)
    if number is not None:
        return await event_or_404(number, *columns)
    row = await Event.select(*columns).order_by(Event.number, ascending=False).first()
    if row is None:
        raise NotFound.on("event", "no such edition")
    return row


class DashboardPage(Controller):
    path = "/console/dashboard"
    guards = [requires_financial_reader]
    include_in_schema = False

    @get("/", name="console_dashboard")
    async def dashboard(self, event: OptionalEventNumber = None) -> Template:
        event_row = await _event(event)
        figures = await event_fund_figures(event_row["id"])
        rows = []
        for project in await tracked_projects(event_row["id"]):
            f = figures.get(project["id"], FundFigures())
            rows.append(
                {**project, "figures": f, "percent": funded_percent(f, project["target_fen"])}
            )
        series = await history(event_row["id"])
        now = dt.datetime.now(dt.UTC)
        alerts = await find_alerts(
            event_row["number"], now, Thresholds.from_settings(get_settings())
        )
        return Template(
            "console/dashboard.html",
            context={
                "event": event_row,
                "rows": rows,
                "alerts": alerts,
                "lines": charts.lines(series, CHART_W, CHART_H),
                "sparks": {
                    line.project_id: line for line in charts.lines(series, SPARK_W, SPARK_H)
                },
                "chart": {"w": CHART_W, "h": CHART_H, "y100": charts.percent_y(100, CHART_H)},
                "spark": {"w": SPARK_W, "h": SPARK_H, "y100": charts.percent_y(100, SPARK_H)},
                "snapshots": sum(len(s.points) for s in series),
                "span": [when(moment) for moment in charts.time_span(series) or ()],
            },
        )


ROUTES = [DashboardPage]
