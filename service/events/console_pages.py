"""Console pages for editions: the list with a create form, and one edition's page with its
fields, its lifecycle buttons and its projects."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, PathParameter
from litestar.response import Redirect, Template

from service import clock
from service.auth.guards import CurrentStaff, requires_organizer
from service.errors import FieldError, InvalidInput
from service.events import editing
from service.events.editing import EventFields
from service.events.workflow import NEXT
from service.i18n import gettext as _
from service.projects.tables import Project
from service.web.forms import text

EventNumber = Annotated[int, PathParameter(gt=0, le=10_000, description="Edition number")]
BEIJING = clock.SHANGHAI
UrlForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _fields(data: dict[str, Any]) -> EventFields:
    errors: list[FieldError] = []

    def parse(name: str, kind: type) -> Any:
        raw = text(data, name)
        if not raw:
            return None
        try:
            return kind.fromisoformat(raw)
        except ValueError:
            errors.append(FieldError(name, _("日期格式不正确。")))
            return None

    held_on = parse("held_on", dt.date)
    opens = parse("pledge_opens_at", dt.datetime)
    closes = parse("pledge_closes_at", dt.datetime)
    if errors:
        raise InvalidInput(_("众筹会内容不正确"), errors)
    local = BEIJING  # the form's times are Beijing time
    return EventFields(
        title=text(data, "title"),
        summary=text(data, "summary"),
        held_on=held_on,
        venue=text(data, "venue"),
        pledge_opens_at=opens.replace(tzinfo=opens.tzinfo or local) if opens else None,
        pledge_closes_at=closes.replace(tzinfo=closes.tzinfo or local) if closes else None,
    )


class ConsoleEventPages(Controller):
    path = "/console/events"
    include_in_schema = False
    guards = [requires_organizer]

    @get("/", name="console_events")
    async def index(self, staff: CurrentStaff) -> Template:
        return Template(
            "console/events/list.html",
            context={"staff": staff, "events": await editing.list_events(), "errors": {}},
        )

    @post("/")
    async def create(self, staff: CurrentStaff, data: UrlForm) -> Response[Any]:
        number_text = text(data, "number")
        try:
            if not number_text.isdigit() or len(number_text) > 5:
                raise InvalidInput.on("number", _("届次必须是1到10000之间的整数。"))
            number = int(number_text)
            await editing.add_event(number, _fields(data), staff.actor)
        except InvalidInput as exc:
            return Template(
                "console/events/list.html",
                context={
                    "staff": staff,
                    "events": await editing.list_events(),
                    "errors": {e.field: e.message for e in exc.errors},
                    "detail": exc.detail,
                },
                status_code=400,
            )
        return Redirect(f"/console/events/{number}", status_code=303)

    @get("/{number:int}", name="console_event")
    async def detail(self, staff: CurrentStaff, number: EventNumber) -> Template:
        event = await editing.get_event_by_number(number)
        projects = (
            await Project.select(Project.id, Project.title, Project.status, Project.target_fen)
            .where(Project.event == event["id"])
            .order_by(Project.id)
        )
        return Template(
            "console/events/detail.html",
            context={
                "staff": staff,
                "event": event,
                "next_statuses": sorted(s.value for s in NEXT[editing.Status(event["status"])]),
                "projects": projects,
                "errors": {},
                "beijing": BEIJING,
            },
        )

    @post("/{number:int}")
    async def update(
        self, staff: CurrentStaff, number: EventNumber, data: UrlForm
    ) -> Response[Any]:
        try:
            await editing.update_event(number, _fields(data), staff.actor)
        except InvalidInput as exc:
            event = await editing.get_event_by_number(number)
            return Template(
                "console/events/detail.html",
                context={
                    "staff": staff,
                    "event": event,
                    "next_statuses": sorted(s.value for s in NEXT[editing.Status(event["status"])]),
                    "projects": [],
                    "beijing": BEIJING,
                    "errors": {e.field: e.message for e in exc.errors},
                    "detail": exc.detail,
                },
                status_code=400,
            )
        return Redirect(f"/console/events/{number}", status_code=303)

    @post("/{number:int}/status")
    async def move(self, staff: CurrentStaff, number: EventNumber, data: UrlForm) -> Redirect:
        await editing.move_event(number, text(data, "status"), staff.actor, text(data, "reason"))
        return Redirect(f"/console/events/{number}", status_code=303)
