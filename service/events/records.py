"""The shapes of the event rows the services read and hand around (Piccolo selects are
plain dicts): typed records that document the keys, nothing at run time."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from service.projects.records import PublicProject


class EventRow(TypedDict):
    """`Event.select()`: every column."""

    id: int
    number: int
    title: str
    summary: str
    held_on: dt.date | None
    venue: str
    pledge_opens_at: dt.datetime | None
    pledge_closes_at: dt.datetime | None
    status: str
    operator: int | None
    oversubscription_rule: str
    capture_policy: str
    created_at: dt.datetime


class EventSummary(EventRow):
    """An event with its portfolio and ledger totals (`services.event_summary`)."""

    totals: dict[str, int]
    """`projects` (how many), `target`, and `FundFigures.as_dict()`."""
    projects: list[PublicProject]
