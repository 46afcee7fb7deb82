"""Staff users and logged-in clients for tests (through the real login)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import httpx

from service.auth.services import StaffIdentity, hash_password, issue_token
from service.auth.tables import StaffUser

PASSWORD = "correct horse battery"


@functools.cache
def _password_hash() -> str:
    """Hashed once per session: argon2 is slow by design, and tests make many users."""
    return hash_password(PASSWORD)


@dataclass(frozen=True)
class Staff:
    id: int
    username: str
    organization_id: int | None
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


async def make(
    role: str,
    organization_id: int | None = None,
    username: str | None = None,
    email: str | None = None,
) -> Staff:
    username = username or f"{role.replace('_', '')}{organization_id or ''}"
    user = StaffUser(
        username=username,
        display_name=username,
        password_hash=_password_hash(),
        role=StaffUser.Role(role).value,
        organization=organization_id,
        email=email,
    )
    await user.save()
    return Staff(user.id, username, organization_id, await issue_token(user.id, "tests"))


def identity(member: Staff, role: str) -> StaffIdentity:
    return StaffIdentity(
        member.id, member.username, member.username, StaffUser.Role(role), member.organization_id
    )


async def login(client: httpx.AsyncClient, staff: Staff) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"username": staff.username, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
