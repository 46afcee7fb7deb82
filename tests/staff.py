"""Staff users and logged-in clients for tests (through the real login)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from service.auth.services import UserDraft, create_user, issue_token
from service.auth.tables import StaffUser

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Staff:
    id: int
    username: str
    organization_id: int | None
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


async def make(role: str, organization_id: int | None = None, username: str | None = None) -> Staff:
    username = username or f"{role.replace('_', '')}{organization_id or ''}"
    user_id = await create_user(
        UserDraft(username, PASSWORD, StaffUser.Role(role), organization_id=organization_id)
    )
    return Staff(user_id, username, organization_id, await issue_token(user_id, "tests"))


async def login(client: httpx.AsyncClient, staff: Staff) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"username": staff.username, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
