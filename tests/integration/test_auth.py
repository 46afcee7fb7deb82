"""Staff login by session cookie and bearer token; named guards; throttled failures."""

import re

import pytest
from litestar.stores.memory import MemoryStore

from service.auth.services import UserDraft, create_user, issue_token
from service.auth.tables import StaffUser

PASSWORD = "correct horse battery"


@pytest.fixture
async def organizer(clean_db):
    return await create_user(UserDraft("orga", PASSWORD, StaffUser.Role.organizer))


async def test_api_login_sets_a_session_and_logout_ends_it(client, organizer):
    assert (await client.get("/api/v1/auth/me")).status_code == 401
    response = await client.post(
        "/api/v1/auth/login", json={"username": "ORGA", "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    assert response.json()["role"] == "organizer"
    assert (await client.get("/api/v1/auth/me")).json()["username"] == "orga"
    assert (await client.post("/api/v1/auth/logout")).status_code == 204
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_bearer_token(client, organizer):
    token = await issue_token(organizer, "ci")
    me = await client.get("/api/v1/auth/me", headers={"authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["id"] == organizer
    bad = await client.get("/api/v1/auth/me", headers={"authorization": "Bearer msk_nope"})
    assert bad.status_code == 401
    assert bad.json()["errors"]


async def test_wrong_password_then_throttled(client, organizer):
    for _ in range(5):
        wrong = await client.post(
            "/api/v1/auth/login", json={"username": "orga", "password": "wrong password"}
        )
        assert wrong.status_code == 401
    blocked = await client.post(
        "/api/v1/auth/login", json={"username": "orga", "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0


async def test_login_form_needs_csrf_and_redirects(client, organizer):
    page = await client.get("/login?next=/console", headers={"accept": "text/html"})
    assert page.status_code == 200
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    no_token = await client.post(
        "/login",
        data={"username": "orga", "password": PASSWORD},
        headers={"accept": "text/html"},
    )
    assert no_token.status_code == 403
    ok = await client.post(
        "/login",
        data={
            "username": "orga",
            "password": PASSWORD,
            "next": "//evil.example",
            "_csrf_token": token,
        },
        headers={"accept": "text/html"},
    )
    assert ok.status_code == 303
    assert ok.headers["location"] == "/console"


async def test_console_redirects_anonymous_browsers_to_login(client):
    response = await client.get("/console", headers={"accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/console"


async def test_console_greets_a_logged_in_user(client, organizer):
    await client.post("/api/v1/auth/login", json={"username": "orga", "password": PASSWORD})
    page = await client.get("/console", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "组织方" in page.text


async def test_anonymous_requests_get_no_session(app, client, organizer):
    store = app.stores.get("sessions")
    assert isinstance(store, MemoryStore)  # the tests run without REDIS_URL
    for path in ("/", "/api/v1/auth/me", "/healthz"):
        response = await client.get(path)
        assert "minsheng_session" not in response.headers.get("set-cookie", ""), path
    assert "minsheng_session" not in client.cookies
    assert store._store == {}, "an anonymous request stored a session"

    await client.post("/api/v1/auth/login", json={"username": "orga", "password": PASSWORD})
    assert client.cookies.get("minsheng_session")
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    # Logging out with the cookie still ends the session (and clears the cookie).
    assert (await client.post("/api/v1/auth/logout")).status_code == 204
    assert (await client.get("/api/v1/auth/me")).status_code == 401
