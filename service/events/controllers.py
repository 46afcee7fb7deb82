"""Editions: the JSON API and the public pages."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template

from service.events import services
from service.events.console_api import ConsoleEventApi
from service.events.console_pages import ConsoleEventPages
from service.events.schemas import EventDetail, EventOut
from service.ledger.services import head
from service.projects.schemas import ProjectOut
from service.projects.services import PortfolioFilter, filter_portfolio, list_public_projects

EventNumber = Annotated[int, PathParameter(gt=0, le=10_000, description="Edition number, e.g. 5")]
OptionalText = Annotated[str | None, QueryParameter(max_length=100)]
# Shared-cached pages (service/web/public_cache.py) carry no form, so no CSRF cookie:
# a cached answer must never hand one visitor's cookie to the next.
PUBLIC_PAGE = {"exclude_from_csrf": True}


class EventApi(Controller):
    path = "/api/v1/events"
    tags = ["events"]

    @get("/", operation_id="listEvents", cache=True)
    async def list_events(self) -> list[EventOut]:
        return msgspec.convert(await services.list_public_events(), list[EventOut])

    @get("/{number:int}", operation_id="getEvent", cache=True)
    async def get_event(self, number: EventNumber) -> EventDetail:
        event = await services.get_public_event(number)
        return msgspec.convert(await services.event_summary(event), EventDetail)

    @get("/{number:int}/projects", operation_id="listEventProjects", cache=True)
    async def list_projects(
        self,
        number: EventNumber,
        community: OptionalText = None,
        category: OptionalText = None,
        status: OptionalText = None,
    ) -> list[ProjectOut]:
        event = await services.get_public_event(number)
        rows = await list_public_projects(event["id"], PortfolioFilter(community, category, status))
        return msgspec.convert(rows, list[ProjectOut])


class EventPages(Controller):
    include_in_schema = False

    @get("/", name="home", cache=True, opt=PUBLIC_PAGE)
    async def home(self) -> Template:
        others = await services.list_public_events()  # one read for all three choices
        event = services.pick_featured(others)
        summary = await services.event_summary(event) if event else None
        pledging = services.pick_open(others)
        if pledging and event and pledging["id"] == event["id"]:
            pledging = None
        open_summary = await services.event_summary(pledging) if pledging else None
        return Template(
            "events/home.html",
            context={"event": summary, "pledging": open_summary, "events": others},
        )

    @get("/events/{number:int}", name="event", cache=True, opt=PUBLIC_PAGE)
    async def event_page(
        self,
        number: EventNumber,
        community: OptionalText = None,
        category: OptionalText = None,
        status: OptionalText = None,
    ) -> Template:
        event = await services.get_public_event(number)
        summary = await services.event_summary(event)
        filtered = filter_portfolio(
            summary["projects"], PortfolioFilter(community, category, status)
        )
        return Template(
            "events/event.html",
            context={
                "event": summary,
                "projects": filtered,
                "communities": sorted({p["community"] for p in summary["projects"]}),
                "categories": sorted({p["category"] for p in summary["projects"]}),
                "statuses": sorted({p["status"] for p in summary["projects"]}),
                "selected": {"community": community, "category": category, "status": status},
                "ledger_head": await head(),
            },
        )


ROUTES = [EventApi, EventPages, ConsoleEventApi, ConsoleEventPages]
