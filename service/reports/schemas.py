"""The transparency reports API's JSON bodies (msgspec)."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec


class ReportSummary(msgspec.Struct):
    id: uuid.UUID
    event_number: int
    status: str
    head_seq: int
    head_hash: str
    figures_sha256: str
    pdf_sha256: str
    created_at: dt.datetime
    built_at: dt.datetime | None
    url: str | None
    pdf_url: str | None


class ReportRequested(msgspec.Struct):
    id: uuid.UUID
    status: str
