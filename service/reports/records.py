"""The shapes of the transparency report rows the services read and hand around (Piccolo
selects are plain dicts): typed records that document the keys, nothing at run time."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, TypedDict


class ReportLine(TypedDict):
    """A report in the public list (`services.list_reports`)."""

    id: uuid.UUID
    status: str
    head_seq: int
    head_hash: str
    figures_sha256: str
    pdf_sha256: str
    built_at: dt.datetime | None
    created_at: dt.datetime
    event_number: int
    event_title: str


class ReportRow(TypedDict):
    """A built report with its figures read back (`services.get_report`)."""

    id: uuid.UUID
    event: int
    status: str
    head_seq: int
    head_hash: str
    figures: str
    """The canonical JSON, as stored."""
    figures_sha256: str
    pdf_name: str
    pdf_sha256: str
    error: str
    requested_by: int | None
    created_at: dt.datetime
    built_at: dt.datetime | None
    event_number: int
    event_title: str
    data: dict[str, Any]
    """`figures`, parsed."""


class ChainHead(TypedDict):
    """The ledger transaction a report stops at (`figures.head_at`); seq 0 before any."""

    seq: int
    hash: str
    posted_at: dt.datetime | None
