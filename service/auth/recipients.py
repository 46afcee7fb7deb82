"""Staff who receive operational mail (digests, alerts)."""

from __future__ import annotations

from service.auth.records import StaffAddress
from service.auth.tables import StaffUser


async def organizer_addresses() -> list[StaffAddress]:
    """Active organizers with an e-mail address: [{"id", "email"}]."""
    return await StaffUser.select(StaffUser.id, StaffUser.email).where(
        (StaffUser.role == StaffUser.Role.organizer.value)
        & (StaffUser.active == True)  # noqa: E712
        & StaffUser.email.is_not_null()
    )
