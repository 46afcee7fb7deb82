"""The shapes of what the live screen reads and sends (Piccolo selects and JSON payloads
are plain dicts): typed records that document the keys, nothing at run time."""

from __future__ import annotations

import uuid
from typing import NotRequired, TypedDict


class PoolView(TypedDict):
    """A matching pool as the live screen shows it (`services._pool_view`)."""

    id: int
    name: str
    sponsor: str
    ratio: str
    total_fen: int
    remaining_fen: int
    status: str


class LiveTotals(TypedDict):
    pledged: int
    received: int
    matched: int


class LiveProject(TypedDict):
    """A published project's figures on the live screen (`services.figures`)."""

    id: int
    title: str
    target: int
    pledged: int
    received: int
    matched: int


class LiveFigures(TypedDict):
    """Edition totals, every published project's figures and the active pools
    (`services.figures`)."""

    totals: LiveTotals
    projects: list[LiveProject]
    pools: list[PoolView]


class FeedPledge(TypedDict):
    """What a feed line says of a pledge (`services._pledges`)."""

    id: uuid.UUID
    channel: str
    whole_project: bool
    name: str
    """The donor's own name; the feed shows `donors.services.public_name` of it."""
    anonymous: bool


class FeedItem(TypedDict):
    """A feed line: who (public name), what, for which project (`services._item`)."""

    kind: str
    amount_fen: int
    donor: NotRequired[str]
    channel: NotRequired[str]
    whole_project: NotRequired[bool]
    pool: NotRequired[str]
    project_id: int | None
    project: NotRequired[str]


class FeedLine(FeedItem):
    """A feed line as stored, with when it happened (`services.recent_feed`)."""

    at: str
    """ISO 8601."""


class ScreenEvent(TypedDict):
    """The event a live screen is about (`services.screen_event`)."""

    id: int
    number: int
    title: str
    status: str


class Screen(LiveFigures):
    """Everything a live page shows when it is rendered (`services.screen`)."""

    event: ScreenEvent
    last_id: int
    feed: list[FeedLine]
