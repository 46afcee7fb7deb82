"""Pledge-to-payment tracking: pledged vs received vs outstanding, and what is overdue.

Figures per project come from the ledger (docs/architecture.md, "Money invariants");
the overdue list is `pledges.money.unpaid_pledges`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from service import clock
from service.errors import NotFound
from service.events.lookup import event_id_or_404, event_or_404
from service.events.tables import Event
from service.ledger.balances import event_fund_figures, event_total
from service.pledges.codes import pledge_code
from service.pledges.money import PAYABLE as PAYABLE  # kept importable
from service.pledges.money import outstanding, paid_by_pledge, unpaid_pledges
from service.pledges.records import (
    ClaimableProject,
    ConsoleEvent,
    DonorPledge,
    EventTracking,
    OpenPledge,
    OverduePledge,
    RecentPledge,
    TrackingLine,
)
from service.pledges.tables import Pledge
from service.projects.tables import Project


async def event_id_for(number: int) -> int:
    return await event_id_or_404(number)


async def overdue_pledges(event_id: int, today: dt.date | None = None) -> list[OverduePledge]:
    """Payable pledges past their due date, oldest due first, with what is still owed."""
    today = today or clock.today()
    return [
        {
            "id": p.id,
            "project": p.project_id,
            "project_title": p.project_title or "",
            "donor_name": p.donor_name,
            "channel": p.channel,
            "amount_fen": p.amount_fen,
            "due_on": p.due_on,
            "code": p.code,
            "contact": p.phone or p.email or "",
            "paid_fen": p.paid_fen,
            "outstanding_fen": p.outstanding_fen,
            "days_overdue": (today - p.due_on).days if p.due_on else 0,
        }
        for p in await unpaid_pledges(
            (Pledge.event == event_id) & (Pledge.due_on < today), order_by=Pledge.due_on
        )
    ]


async def event_tracking(number: int, today: dt.date | None = None) -> EventTracking:
    """Per project and for the event: pledged, received, outstanding, overdue."""
    event_id = await event_id_for(number)
    figures = await event_fund_figures(event_id)
    projects = await (
        Project.select(Project.id, Project.title, Project.target_fen)
        .where(Project.event == event_id)
        .order_by(Project.id)
    )
    overdue = await overdue_pledges(event_id, today)
    overdue_by_project: dict[int | None, int] = {}
    for row in overdue:
        overdue_by_project[row["project"]] = (
            overdue_by_project.get(row["project"], 0) + row["outstanding_fen"]
        )
    lines: list[TrackingLine] = []
    for project in projects:
        fig = figures.get(project["id"])
        lines.append(
            _line(project["id"], project["title"], project["target_fen"], fig, overdue_by_project)
        )
    general = figures.get(None)
    if general is not None:
        lines.append(_line(None, "", 0, general, overdue_by_project))
    total = event_total(figures)
    return {
        "event_number": number,
        "totals": {
            "pledged": total.pledged,
            "received": total.received,
            "outstanding": total.outstanding,
        },
        "overdue_fen": sum(row["outstanding_fen"] for row in overdue),
        "projects": lines,
        "overdue": overdue,
    }


def _line(
    project_id: int | None, title: str, target: int, fig: Any, overdue: dict[int | None, int]
) -> TrackingLine:
    return {
        "project": project_id,
        "title": title,
        "target_fen": target,
        "pledged": fig.pledged if fig else 0,
        "received": fig.received if fig else 0,
        "outstanding": fig.outstanding if fig else 0,
        "overdue_fen": overdue.get(project_id, 0),
    }


async def donor_pledges(donor_id: uuid.UUID) -> list[DonorPledge]:
    """A donor's pledges, newest first, with what is paid and still due (donor link page)."""
    rows = (
        await Pledge.select(
            Pledge.id,
            Pledge.amount_fen,
            Pledge.channel,
            Pledge.status,
            Pledge.status_reason,
            Pledge.due_on,
            Pledge.created_at,
            Pledge.project,
            Pledge.excess_of,
            Pledge.project.title.as_alias("project_title"),
            Pledge.event.title.as_alias("event_title"),
            Pledge.event.number.as_alias("event_number"),
        )
        .where(Pledge.donor == donor_id)
        .order_by(Pledge.created_at, ascending=False)
    )
    paid = await paid_by_pledge([row["id"] for row in rows])
    for row in rows:
        row["code"] = pledge_code(row["id"])
        row["paid_fen"] = paid.get(row["id"], 0)
        row["outstanding_fen"] = outstanding(row["amount_fen"], row["paid_fen"], row["status"])
    return rows


async def console_event(number: int | None) -> ConsoleEvent:
    """The event a console page is about: the one asked for, else the newest open for
    pledges, else the newest."""
    columns = (Event.id, Event.number, Event.title, Event.status, Event.oversubscription_rule)
    if number is not None:
        return await event_or_404(number, *columns)
    row = (
        await Event.select(*columns)
        .where(Event.status.is_in(["pledging", "live"]))
        .order_by(Event.number, ascending=False)
        .first()
    ) or await Event.select(*columns).order_by(Event.number, ascending=False).first()
    if row is None:
        raise NotFound.on("event", "there is no event yet")
    return row


async def claimable_projects(event_id: int) -> list[ClaimableProject]:
    """Projects open for pledges with what is left of their target (on-stage picker)."""
    figures = await event_fund_figures(event_id)
    rows = (
        await Project.select(Project.id, Project.title, Project.target_fen)
        .where((Project.event == event_id) & Project.status.is_in(["published", "funded"]))
        .order_by(Project.id)
    )
    for row in rows:
        fig = figures.get(row["id"])
        row["remaining_fen"] = max(row["target_fen"] - (fig.pledged if fig else 0), 0)
    return rows


async def recent_pledges(
    event_id: int, channel: str | None = None, limit: int = 20
) -> list[RecentPledge]:
    where = Pledge.event == event_id
    if channel:
        where &= Pledge.channel == channel
    rows = (
        await Pledge.select(
            Pledge.id,
            Pledge.amount_fen,
            Pledge.channel,
            Pledge.status,
            Pledge.whole_project,
            Pledge.created_at,
            Pledge.due_on,
            Pledge.excess_of,
            Pledge.donor,
            Pledge.project.title.as_alias("project_title"),
            Pledge.donor.display_name.as_alias("donor_name"),
        )
        .where(where)
        .order_by(Pledge.created_at, ascending=False)
        .limit(limit)
    )
    for row in rows:
        row["code"] = pledge_code(row["id"])
    return rows


async def find_open_pledges(query: str, limit: int = 20) -> list[OpenPledge]:
    """Payable pledges by code (MS1A2B3C4D), id prefix, or donor name/phone (payments page)."""
    text = query.strip()
    if not text:
        return []
    code = text.upper().removeprefix("MS").lower()
    ids: list[Any] = []
    if 4 <= len(code) <= 32 and all(c in "0123456789abcdef-" for c in code):
        rows = await Pledge.raw(
            "SELECT id FROM pledge WHERE CAST(id AS TEXT) LIKE {} LIMIT 50", f"{code}%"
        )
        ids = [row["id"] for row in rows]
    pattern = f"%{text}%"
    where = Pledge.donor.display_name.ilike(pattern) | Pledge.donor.phone.ilike(pattern)
    if ids:
        where = Pledge.id.is_in(ids) | where
    return [
        {
            "id": p.id,
            "amount_fen": p.amount_fen,
            "status": p.status,
            "due_on": p.due_on,
            "channel": p.channel,
            "project_title": p.project_title,
            "donor_name": p.donor_name,
            "code": p.code,
            "paid_fen": p.paid_fen,
            "outstanding_fen": p.outstanding_fen,
        }
        for p in await unpaid_pledges(
            where, order_by=Pledge.created_at, ascending=False, limit=limit
        )
    ]
