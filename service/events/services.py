"""Reading and creating editions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from service.errors import NotFound
from service.events.records import EventRow, EventSummary
from service.events.tables import Event

Status = Event.Status
PLEDGE_OPEN = (Status.pledging.value, Status.live.value)
PUBLIC = tuple(s.value for s in Status if s is not Status.draft)


@dataclass(frozen=True)
class EventDraft:
    number: int
    title: str
    summary: str = ""
    held_on: dt.date | None = None
    venue: str = ""
    pledge_opens_at: dt.datetime | None = None
    pledge_closes_at: dt.datetime | None = None
    status: Status = Status.draft
    operator_id: int | None = None


async def create_event(draft: EventDraft) -> int:
    """Insert the event as drafted, unchecked and unaudited (demo loader, tests, benches); the
    console creates events through `events.editing.add_event`."""
    row = Event(
        number=draft.number,
        title=draft.title,
        summary=draft.summary,
        held_on=draft.held_on,
        venue=draft.venue,
        pledge_opens_at=draft.pledge_opens_at,
        pledge_closes_at=draft.pledge_closes_at,
        status=draft.status.value,
        operator=draft.operator_id,
    )
    await row.save()
    return row.id


async def list_public_events() -> list[EventRow]:
    return (
        await Event.select()
        .where(Event.status.is_in(list(PUBLIC)))
        .order_by(Event.number, ascending=False)
    )


async def get_public_event(number: int) -> EventRow:
    row = (
        await Event.select()
        .where((Event.number == number) & Event.status.is_in(list(PUBLIC)))
        .first()
    )
    if row is None:
        raise NotFound.on("number", f"no published event number {number}")
    return row


WITH_RESULTS = (
    Status.live.value,
    Status.closed.value,
    Status.reporting.value,
    Status.archived.value,
)


def pick_open(events: list[EventRow]) -> EventRow | None:
    """`open_for_pledges` from the public editions already read, newest first."""
    return next((e for e in events if e["status"] in PLEDGE_OPEN), None)


def pick_featured(events: list[EventRow]) -> EventRow | None:
    """`featured_event` from the public editions already read, newest first."""
    for statuses in (WITH_RESULTS, PUBLIC):
        for event in events:
            if event["status"] in statuses:
                return event
    return None


async def open_for_pledges() -> EventRow | None:
    """The newest edition taking pledges, if any."""
    return (
        await Event.select()
        .where(Event.status.is_in(list(PLEDGE_OPEN)))
        .order_by(Event.number, ascending=False)
        .first()
    )


async def featured_event() -> EventRow | None:
    """The edition the home page leads with: the one on stage now, else the newest with
    results to show (what the money did), else the newest public one."""
    for statuses in (WITH_RESULTS, PUBLIC):
        row = (
            await Event.select()
            .where(Event.status.is_in(list(statuses)))
            .order_by(Event.number, ascending=False)
            .first()
        )
        if row:
            return row
    return None


async def event_summary(event: EventRow) -> EventSummary:
    """The edition with its portfolio and totals derived from the ledger."""
    from service.ledger.balances import event_fund_figures, event_total
    from service.projects.services import list_public_projects

    by_fund = await event_fund_figures(event["id"])  # read once for the list and the total
    projects = await list_public_projects(event["id"], figures=by_fund)
    figures = event_total(by_fund)
    totals = {
        "projects": len(projects),
        "target": sum(p["target_fen"] for p in projects),
        **figures.as_dict(),
    }
    return {**event, "totals": totals, "projects": projects}
