"""The organizers' JSON API for editions: create, edit, move through the lifecycle."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post, put
from litestar.params import JSONBody, PathParameter

from service.auth.guards import CurrentStaff, requires_organizer, requires_staff
from service.events import editing
from service.events.editing import EventFields
from service.events.records import EventRow
from service.events.schemas import EventCreate, EventIn, EventOut, StatusIn

EventNumber = Annotated[int, PathParameter(gt=0, le=10_000, description="Edition number")]


def fields_of(data: EventIn) -> EventFields:
    return EventFields(
        title=data.title,
        summary=data.summary,
        held_on=data.held_on,
        venue=data.venue,
        pledge_opens_at=data.pledge_opens_at,
        pledge_closes_at=data.pledge_closes_at,
    )


def event_out(row: EventRow) -> EventOut:
    return msgspec.convert(row, EventOut)


class ConsoleEventApi(Controller):
    path = "/api/v1/console/events"
    tags = ["console: events"]

    @get("/", operation_id="listAllEvents", guards=[requires_staff])
    async def list_events(self) -> list[EventOut]:
        return [event_out(row) for row in await editing.list_events()]

    @post("/", operation_id="createEvent", guards=[requires_organizer])
    async def create(self, staff: CurrentStaff, data: JSONBody[EventCreate]) -> EventOut:
        await editing.add_event(data.number, fields_of(data), staff.actor)
        return event_out(await editing.get_event_by_number(data.number))

    @put("/{number:int}", operation_id="updateEvent", guards=[requires_organizer])
    async def update(
        self, staff: CurrentStaff, number: EventNumber, data: JSONBody[EventIn]
    ) -> EventOut:
        await editing.update_event(number, fields_of(data), staff.actor)
        return event_out(await editing.get_event_by_number(number))

    @post("/{number:int}/status", operation_id="moveEvent", guards=[requires_organizer])
    async def move(
        self, staff: CurrentStaff, number: EventNumber, data: JSONBody[StatusIn]
    ) -> EventOut:
        await editing.move_event(number, data.status, staff.actor, data.reason)
        return event_out(await editing.get_event_by_number(number))
