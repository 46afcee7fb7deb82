"""Rate limits on anonymous online pledges (the API and the form share them).

Per client address and per contact (e-mail or phone) — a flood of junk pledges is
refused with 429 and Retry-After — and confirmation mails per address per day: past
that, the pledge is still recorded but not mailed, so the form cannot be used to fill
someone's mailbox.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection

from service.pledges.schemas import DonorIn
from service.web.ratelimit import limiter


def client_address(connection: ASGIConnection) -> str:
    return connection.client.host if connection.client else "unknown"


async def screen_online_pledge(connection: ASGIConnection, donor: DonorIn) -> bool:
    """Raise RateLimited (429) when this client or contact pledged too often; answer
    whether the donor may be mailed a confirmation."""
    limits = limiter(connection)
    await limits.check("pledge_client", client_address(connection), hashed=False)
    email = (donor.email or "").strip().lower()
    contact = email or "".join(ch for ch in donor.phone or "" if ch.isdigit())
    if contact:
        await limits.check("pledge_contact", contact)
    return bool(email) and await limits.wait("mail_address", email) == 0
