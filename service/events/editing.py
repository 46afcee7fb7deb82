"""Events (届) in the console: organizers create them, edit them and move them through
their lifecycle (events.workflow); every change is checked and audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from service.audit.services import Actor, record
from service.db import is_unique_violation, write_transaction
from service.errors import Conflict, FieldError, InvalidInput, NotAllowed
from service.events.lookup import event_or_404
from service.events.records import EventRow
from service.events.services import EventDraft, create_event
from service.events.tables import Event
from service.events.workflow import can_move
from service.i18n import gettext as _
from service.locks import lock_row

Status = Event.Status


@dataclass(frozen=True)
class EventFields:
    """What an organizer writes about an event: everything but its number and status."""

    title: str
    summary: str = ""
    held_on: dt.date | None = None
    venue: str = ""
    pledge_opens_at: dt.datetime | None = None
    pledge_closes_at: dt.datetime | None = None


def _check(fields: EventFields) -> None:
    errors: list[FieldError] = []
    if not fields.title.strip():
        errors.append(FieldError("title", _("标题不能为空。")))
    for name, limit in (("title", 200), ("summary", 4000), ("venue", 200)):
        if len(getattr(fields, name)) > limit:
            errors.append(FieldError(name, _("不能超过%(n)s个字符。") % {"n": limit}))
    opens, closes = fields.pledge_opens_at, fields.pledge_closes_at
    if opens and closes and closes <= opens:
        errors.append(FieldError("pledge_closes_at", _("认捐截止时间必须晚于开始时间。")))
    if errors:
        raise InvalidInput(_("众筹会内容不正确"), errors)


async def add_event(number: int, fields: EventFields, actor: Actor) -> int:
    """Create event `number` from the console: the fields checked, the creation audited;
    a Conflict when the number is taken. (`services.create_event` only inserts.)"""
    if not 0 < number <= 10_000:
        raise InvalidInput.on("number", _("届次必须是1到10000之间的整数。"))
    _check(fields)
    try:
        async with write_transaction():
            event_id = await create_event(
                EventDraft(number=number, title=fields.title.strip(), **_rest(fields))
            )
            await record(actor, "event.create", "event", event_id, data={"number": number})
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict.on("number", _("这一届已经存在。")) from exc
        raise
    return event_id


def _rest(fields: EventFields) -> dict[str, Any]:
    return {
        "summary": fields.summary,
        "held_on": fields.held_on,
        "venue": fields.venue,
        "pledge_opens_at": fields.pledge_opens_at,
        "pledge_closes_at": fields.pledge_closes_at,
    }


async def get_event_by_number(number: int) -> EventRow:
    """Every column of event `number`; a 404 naming the field `number`."""
    return await event_or_404(number, field="number", message=_("没有这一届众筹会。"))


async def list_events() -> list[EventRow]:
    """Every event, drafts included, newest first."""
    return await Event.select().order_by(Event.number, ascending=False)


async def update_event(number: int, fields: EventFields, actor: Actor) -> None:
    _check(fields)
    event = await get_event_by_number(number)
    async with write_transaction():
        await Event.update(
            {
                Event.title: fields.title.strip(),
                Event.summary: fields.summary,
                Event.held_on: fields.held_on,
                Event.venue: fields.venue,
                Event.pledge_opens_at: fields.pledge_opens_at,
                Event.pledge_closes_at: fields.pledge_closes_at,
            }
        ).where(Event.id == event["id"])
        await record(actor, "event.update", "event", event["id"], data={"title": fields.title})


async def move_event(number: int, target: str, actor: Actor, reason: str = "") -> Status:
    """Advance the event to `target` if events.workflow allows it from where it is."""
    if target not in {s.value for s in Status}:
        raise InvalidInput.on("status", _("状态无效。"))
    event = await get_event_by_number(number)
    async with write_transaction():
        await lock_row(Event, event["id"])
        row = await Event.select(Event.status).where(Event.id == event["id"]).first()
        current = Status(row["status"])
        if not can_move(current, Status(target)):
            raise NotAllowed.on(
                "status",
                _("众筹会不能从“%(from)s”变为“%(to)s”。") % {"from": current.value, "to": target},
            )
        await Event.update({Event.status: target}).where(Event.id == event["id"])
        await record(
            actor,
            "event.status",
            "event",
            event["id"],
            reason=reason.strip()[:2000],
            data={"from": current.value, "to": target},
        )
    return Status(target)
