"""The shapes of the staff rows the services read and hand around (Piccolo selects are
plain dicts): typed records that document the keys, nothing at run time."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict


class StaffAddress(TypedDict):
    """An active staff member with an e-mail address, for operational mail
    (`recipients.organizer_addresses`, `disclosure.services._owner_addresses`)."""

    id: int
    email: str


class IdentityRow(TypedDict):
    """The columns a staff identity is built from (`services._IDENTITY_COLUMNS`)."""

    id: int
    username: str
    display_name: str
    role: str
    organization: int | None


class TokenLine(TypedDict):
    """One of a user's API tokens, never its secret (`services.list_tokens`)."""

    id: int
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class StaffLine(TypedDict):
    """A staff account without its password hash (`services.staff_directory`)."""

    id: int
    username: str
    display_name: str
    email: str | None
    role: str
    organization_name: str | None
    active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None
