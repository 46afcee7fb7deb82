"""The shapes of the progress rows the services read and hand around (Piccolo selects
are plain dicts): typed records that document the keys, nothing at run time."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TypedDict


class TimelinePhoto(TypedDict):
    """A photo of a progress report, with its address (`services.timelines`)."""

    report: uuid.UUID
    stored_name: str
    caption: str
    url: str


class TimelineReport(TypedDict):
    """A progress report on its project's timeline (`services.timelines`)."""

    id: uuid.UUID
    project: int
    report_date: dt.date
    status: str
    title: str
    body: str
    photos: list[TimelinePhoto]


class PhotoFile(TypedDict):
    """The stored photo behind a file name (`services.photo_file`)."""

    stored_name: str
    media_type: str
