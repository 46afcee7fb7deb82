"""The events API's JSON bodies (msgspec)."""

import datetime as dt
from typing import Annotated

import msgspec

Text = Annotated[str, msgspec.Meta(max_length=20_000)]


class EventOut(msgspec.Struct):
    number: int
    title: str
    summary: str
    status: str
    held_on: dt.date | None
    venue: str
    pledge_opens_at: dt.datetime | None
    pledge_closes_at: dt.datetime | None


class EventTotals(msgspec.Struct):
    projects: int
    target: int
    pledged: int
    received: int
    matched: int
    disbursed: int
    balance: int


class EventDetail(EventOut):
    totals: EventTotals


class EventIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Text
    summary: Text = ""
    held_on: dt.date | None = None
    venue: Text = ""
    pledge_opens_at: dt.datetime | None = None
    pledge_closes_at: dt.datetime | None = None


class EventCreate(EventIn, forbid_unknown_fields=True):
    number: int = 0


class StatusIn(msgspec.Struct, forbid_unknown_fields=True):
    status: Annotated[str, msgspec.Meta(max_length=20)]
    reason: Text = ""
