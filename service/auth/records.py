"""The shapes of the staff rows the services read and hand around (Piccolo selects are
plain dicts): typed records that document the keys, nothing at run time."""

from __future__ import annotations

from typing import TypedDict


class StaffAddress(TypedDict):
    """An active staff member with an e-mail address, for operational mail
    (`recipients.organizer_addresses`, `disclosure.services._owner_addresses`)."""

    id: int
    email: str
