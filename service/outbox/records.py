"""The shape of the outbox rows the relay reads and hands around (Piccolo selects are
plain dicts): a typed record that documents the keys, nothing at run time."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, TypedDict


class OutboxRow(TypedDict):
    """`OutboxMessage.select()` with its payload read as JSON (`services.pending`,
    `services.claim`)."""

    id: uuid.UUID
    topic: str
    payload: dict[str, Any]
    dedupe_key: str | None
    created_at: dt.datetime
    available_at: dt.datetime
    delivered_at: dt.datetime | None
    attempts: int
    last_error: str
