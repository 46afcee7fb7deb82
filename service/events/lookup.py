"""Looking up an edition (届) by its public number: the one place that answers 404."""

from __future__ import annotations

from typing import Any

from piccolo.columns import Column

from service.errors import NotFound
from service.events.tables import Event


async def event_or_404(
    number: int, *columns: Column, field: str = "event", message: str | None = None
) -> dict[str, Any]:
    """The edition numbered `number` (the columns asked for, else all of them); a 404
    naming `field` when there is none."""
    query = Event.select(*columns) if columns else Event.select()
    row = await query.where(Event.number == number).first()
    if row is None:
        raise NotFound.on(field, message or f"no event number {number}")
    return row


async def event_id_or_404(number: int, *, field: str = "event") -> int:
    """The id of the edition numbered `number`; a 404 when there is none."""
    return (await event_or_404(number, Event.id, field=field))["id"]
