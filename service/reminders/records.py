"""The shape of the pledges the reminder run considers (built from
`pledges.money.unpaid_pledges`): a typed record that documents the keys, nothing at run
time."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TypedDict


class ReminderCandidate(TypedDict):
    """A pledge that may be due a reminder (`services._candidates`)."""

    id: uuid.UUID
    amount_fen: int
    due_on: dt.date | None
    event_title: str
    project_title: str | None
    donor_name: str
    email: str | None
