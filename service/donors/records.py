"""The shapes of the donor rows the services read and hand around (Piccolo selects are
plain dicts): typed records that document the keys, nothing at run time."""

from __future__ import annotations

import uuid
from typing import TypedDict


class FoundDonor(TypedDict):
    """A donor found by the on-stage search (`services.find_donors`)."""

    id: uuid.UUID
    kind: str
    display_name: str
    phone: str | None
    email: str | None
    receipt_title: str
