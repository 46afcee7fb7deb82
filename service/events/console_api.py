"""The organizers' JSON API for editions: create, edit, move through the lifecycle."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post, put
from litestar.params import JSONBody, PathParameter

from service.auth.guards import CurrentStaff, requires_organizer, requires_staff
from service.events import editions
from service.events.editions import EditionFields
from service.events.schemas import EditionCreate, EditionIn, EventOut, StatusIn

EventNumber = Annotated[int, PathParameter(gt=0, le=10_000, description="Edition number")]


def fields_of(data: EditionIn) -> EditionFields:
    return EditionFields(
        title=data.title,
        summary=data.summary,
        held_on=data.held_on,
        venue=data.venue,
        pledge_opens_at=data.pledge_opens_at,
        pledge_closes_at=data.pledge_closes_at,
    )


def event_out(row: dict[str, Any]) -> EventOut:
    return msgspec.convert(row, EventOut)


class ConsoleEventApi(Controller):
    path = "/api/v1/console/events"
    tags = ["console: events"]

    @get("/", operation_id="listAllEvents", guards=[requires_staff])
    async def list_events(self) -> list[EventOut]:
        return [event_out(row) for row in await editions.list_editions()]

    @post("/", operation_id="createEvent", guards=[requires_organizer])
    async def create(self, staff: CurrentStaff, data: JSONBody[EditionCreate]) -> EventOut:
        await editions.create_edition(data.number, fields_of(data), staff.actor)
        return event_out(await editions.get_edition(data.number))

    @put("/{number:int}", operation_id="updateEvent", guards=[requires_organizer])
    async def update(
        self, staff: CurrentStaff, number: EventNumber, data: JSONBody[EditionIn]
    ) -> EventOut:
        await editions.update_edition(number, fields_of(data), staff.actor)
        return event_out(await editions.get_edition(number))

    @post("/{number:int}/status", operation_id="moveEvent", guards=[requires_organizer])
    async def move(
        self, staff: CurrentStaff, number: EventNumber, data: JSONBody[StatusIn]
    ) -> EventOut:
        await editions.move_edition(number, data.status, staff.actor, data.reason)
        return event_out(await editions.get_edition(number))
