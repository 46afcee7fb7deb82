"""Logins under attack: session fixation, parallel guessing, name spellings, lock-outs,
and argon2 kept off the event loop."""

import asyncio

import httpx
import pytest

from service.auth.services import UserDraft, create_user
from service.auth.tables import StaffUser

PASSWORD = "correct horse battery"


@pytest.fixture
async def organizer(clean_db):
    return await create_user(UserDraft("orga", PASSWORD, StaffUser.Role.organizer))


def use_session(client: httpx.AsyncClient, session_id: str) -> None:
    client.cookies.clear()
    client.cookies.set("minsheng_session", session_id, domain="testserver.local")


def session_of(response: httpx.Response) -> str | None:
    return response.cookies.get("minsheng_session")


def client_from(app, host: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(host, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_login_gives_a_new_session_id_not_the_one_brought(client, organizer):
    fixed = "a" * 64
    use_session(client, fixed)
    response = await client.post(
        "/api/v1/auth/login", json={"username": "orga", "password": PASSWORD}
    )
    assert response.status_code == 201
    new_id = session_of(response)
    assert new_id and new_id != fixed
    use_session(client, new_id)
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    # The id an attacker planted is not logged in.
    use_session(client, fixed)
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_a_second_login_rotates_the_session_again(client, organizer):
    login = {"username": "orga", "password": PASSWORD}
    first = session_of(await client.post("/api/v1/auth/login", json=login))
    second = session_of(await client.post("/api/v1/auth/login", json=login))
    assert first and second and first != second
    use_session(client, first)
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_a_role_change_rotates_the_session(client, organizer):
    login = {"username": "orga", "password": PASSWORD}
    before = session_of(await client.post("/api/v1/auth/login", json=login))
    await StaffUser.update({StaffUser.role: "auditor"}).where(StaffUser.id == organizer)
    me = await client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["role"] == "auditor"
    after = session_of(me)
    assert after and after != before
    use_session(client, before)
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_parallel_wrong_passwords_are_throttled(client, organizer):
    async def attempt() -> int:
        response = await client.post(
            "/api/v1/auth/login", json={"username": "orga", "password": "wrong password"}
        )
        if response.status_code == 429:
            assert int(response.headers["retry-after"]) > 0
        return response.status_code

    statuses = await asyncio.gather(*(attempt() for _ in range(30)))
    assert statuses.count(401) == 5, statuses
    assert statuses.count(429) == 25


@pytest.mark.parametrize("spelling", [" orga", "ORGA ", "ｏｒｇａ"])
async def test_a_name_has_one_spelling(client, organizer, spelling):
    ok = await client.post("/api/v1/auth/login", json={"username": spelling, "password": PASSWORD})
    assert ok.status_code == 201 and ok.json()["username"] == "orga"


@pytest.mark.parametrize("spelling", [" orga", "ORGA ", "ｏｒｇａ"])
async def test_other_spellings_of_a_name_share_its_counter(client, organizer, spelling):
    for _ in range(5):
        wrong = await client.post(
            "/api/v1/auth/login", json={"username": "orga", "password": "wrong password"}
        )
        assert wrong.status_code == 401
    other = await client.post(
        "/api/v1/auth/login", json={"username": spelling, "password": "wrong password"}
    )
    assert other.status_code == 429


async def test_nobody_can_lock_an_account_for_others(app, client, organizer):
    async with client_from(app, "203.0.113.9") as attacker:
        for _ in range(8):
            await attacker.post(
                "/api/v1/auth/login", json={"username": "orga", "password": "wrong password"}
            )
        blocked = await attacker.post(
            "/api/v1/auth/login", json={"username": "orga", "password": PASSWORD}
        )
        assert blocked.status_code == 429
    async with client_from(app, "198.51.100.7") as owner:
        ok = await owner.post("/api/v1/auth/login", json={"username": "orga", "password": PASSWORD})
        assert ok.status_code == 201


async def test_many_logins_from_one_address_are_limited(app, client, organizer):
    async with client_from(app, "203.0.113.10") as sprayer:
        statuses = []
        for n in range(32):
            response = await sprayer.post(
                "/api/v1/auth/login", json={"username": f"user{n}", "password": "x" * 10}
            )
            statuses.append(response.status_code)
    assert statuses[:30] == [401] * 30
    assert statuses[30:] == [429, 429]


async def test_password_hashing_runs_off_the_event_loop(client, organizer, monkeypatch):
    """argon2 takes ~0.1 s of CPU per check: it must run in a worker thread, never in the
    thread running the event loop (where every other request would wait for it)."""
    import threading

    from argon2 import PasswordHasher

    threads: list[int] = []
    original = PasswordHasher.verify

    def recording_verify(self, hash, password):
        threads.append(threading.get_ident())
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", recording_verify)
    ok = await client.post("/api/v1/auth/login", json={"username": "orga", "password": PASSWORD})
    wrong = await client.post(
        "/api/v1/auth/login", json={"username": "nobody", "password": "wrong password"}
    )
    assert (ok.status_code, wrong.status_code) == (201, 401)
    assert len(threads) == 2
    assert threading.get_ident() not in threads


async def test_api_tokens_expire(client, organizer):
    import datetime as dt

    from service.auth.services import issue_token
    from service.auth.tables import ApiToken

    token = await issue_token(organizer, "ci", expires_in_days=1)
    bearer = {"authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/auth/me", headers=bearer)).status_code == 200
    await ApiToken.update(
        {ApiToken.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}
    ).where(ApiToken.user == organizer)
    assert (await client.get("/api/v1/auth/me", headers=bearer)).status_code == 401


async def test_api_tokens_are_listed_and_revoked_over_the_api(client, organizer):
    await client.post("/api/v1/auth/login", json={"username": "orga", "password": PASSWORD})
    made = await client.post("/api/v1/auth/tokens", json={"name": "ci", "expires_in_days": 30})
    assert made.status_code == 201, made.text
    token, token_id = made.json()["token"], made.json()["id"]
    assert made.json()["expires_at"]
    bearer = {"authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/auth/me", headers=bearer)).status_code == 200
    listed = (await client.get("/api/v1/auth/tokens")).json()
    assert [t["id"] for t in listed] == [token_id] and "token" not in listed[0]
    assert (await client.delete(f"/api/v1/auth/tokens/{token_id}")).status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=bearer)).status_code == 401
    assert (await client.delete(f"/api/v1/auth/tokens/{token_id}")).status_code == 404
    too_long = await client.post("/api/v1/auth/tokens", json={"name": "x", "expires_in_days": 999})
    assert too_long.status_code == 400


async def test_nobody_revokes_someone_elses_token(client, organizer):
    from service.auth.services import create_token

    other = await create_user(UserDraft("other", PASSWORD, StaffUser.Role.auditor))
    theirs = await create_token(other, "theirs")
    await client.post("/api/v1/auth/login", json={"username": "orga", "password": PASSWORD})
    assert (await client.delete(f"/api/v1/auth/tokens/{theirs.id}")).status_code == 404
    mine = {"authorization": f"Bearer {theirs.token}"}
    assert (await client.get("/api/v1/auth/me", headers=mine)).status_code == 200


async def test_the_throttle_is_atomic_on_redis_too(database, organizer, redis_url):
    """With REDIS_URL the windows live in Redis (shared by every worker): a parallel burst
    still gets exactly the free failures. A fresh client address keeps runs apart."""
    import dataclasses
    import uuid as uuid_module

    from service.app import create_app
    from service.settings import get_settings

    app = create_app(dataclasses.replace(get_settings(), redis_url=redis_url))
    host = f"10.{uuid_module.uuid4().int % 250}.{uuid_module.uuid4().int % 250}.7"
    async with client_from(app, host) as client:

        async def attempt() -> int:
            response = await client.post(
                "/api/v1/auth/login", json={"username": "orga", "password": "wrong password"}
            )
            return response.status_code

        statuses = await asyncio.gather(*(attempt() for _ in range(12)))
    assert statuses.count(401) == 5 and statuses.count(429) == 7, statuses
