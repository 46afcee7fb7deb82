"""Ledger balances over the JSON API."""

from __future__ import annotations

from litestar import Controller, get

from service.bounds import EventNumber
from service.events.services import get_public_event
from service.ledger.auditor_pages import AuditPortal
from service.ledger.balances import event_fund_figures, event_total
from service.ledger.schemas import Balances, ProjectBalance
from service.ledger.services import head
from service.projects.schemas import Totals
from service.projects.services import PUBLIC as PUBLIC_PROJECTS
from service.projects.tables import Project


class LedgerApi(Controller):
    path = "/api/v1/ledger"
    tags = ["ledger"]

    @get("/balances", operation_id="getLedgerBalances")
    async def balances(self, event: EventNumber) -> Balances:
        row = await get_public_event(event)
        figures = await event_fund_figures(row["id"])
        projects = (
            await Project.select(Project.id, Project.title, Project.target_fen)
            # Only published projects count towards the edition's target, as on its page.
            .where((Project.event == row["id"]) & Project.status.is_in(list(PUBLIC_PROJECTS)))
            .order_by(Project.id)
        )
        targets = {p["id"]: p["target_fen"] for p in projects}
        titles = {p["id"]: p["title"] for p in projects} | {None: "general fund"}
        seq, digest = await head()
        items = [
            ProjectBalance(
                project_id=key,
                title=titles.get(key, ""),
                totals=Totals(target=targets.get(key, 0), **value.as_dict()),
            )
            for key, value in sorted(figures.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
        ]
        total = event_total(figures)
        return Balances(
            event=event,
            head_seq=seq,
            head_hash=digest,
            total=Totals(target=sum(targets.values()), **total.as_dict()),
            projects=items,
        )


ROUTES = [LedgerApi, AuditPortal]
