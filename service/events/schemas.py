import datetime as dt

import msgspec


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
