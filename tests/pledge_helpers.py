"""Helpers shared by the pledge, payment and donor-link tests."""

from __future__ import annotations

import re
from typing import Any

import httpx

from service.auth.services import UserDraft, create_user
from service.auth.tables import StaffUser
from service.outbox.tables import OutboxMessage
from service.pledges.tables import Pledge

PASSWORD = "correct horse battery"
HTML = {"accept": "text/html"}
VALID_USCC = "91330100799655058B"


def pledge_body(event: int, project: int | None, amount_fen: int | None, **donor: Any) -> dict:
    body: dict[str, Any] = {
        "event": event,
        "project_id": project,
        "amount_fen": amount_fen,
        "donor": {
            "kind": "individual",
            "display_name": "王小明",
            "email": "wang@example.com",
            **donor,
        },
    }
    return {key: value for key, value in body.items() if value is not None}


async def log_in(
    client: httpx.AsyncClient, role: StaffUser.Role = StaffUser.Role.organizer, name: str = "orga"
) -> int:
    user_id = await create_user(UserDraft(name, PASSWORD, role))
    response = await client.post(
        "/api/v1/auth/login", json={"username": name, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    return user_id


async def csrf_token(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path, headers=HTML)
    assert page.status_code == 200, page.text[:500]
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF token on the page"
    return match.group(1)


def form_key(html: str) -> str:
    match = re.search(r'name="form_key" value="([^"]+)"', html)
    assert match
    return match.group(1)


async def pledge_count() -> int:
    return await Pledge.count()


async def outbox_topics() -> list[str]:
    rows = await OutboxMessage.select(OutboxMessage.topic).order_by(OutboxMessage.created_at)
    return [row["topic"] for row in rows]
