"""Piccolo Admin at /admin: its own login, only reference data, read-only, no password
hashes and no money tables."""

import re

import pytest

from service.admin import create_admin_login
from service.orgs.tables import Organization
from tests import factories, staff


@pytest.fixture
async def admin_client(client):
    from piccolo.apps.user.tables import BaseUser

    await BaseUser.delete(force=True)
    await create_admin_login("chief", staff.PASSWORD)
    return client


async def admin_login(client, username="chief", password=staff.PASSWORD):
    page = await client.get("/admin/")
    assert page.status_code == 200
    token = client.cookies.get("csrftoken")
    assert token, "piccolo admin sets its csrftoken cookie"
    return await client.post(
        "/admin/public/login/",
        json={"username": username, "password": password},
        headers={"X-CSRFToken": token},
    )


async def test_anonymous_cannot_read_the_admin_api(admin_client):
    response = await admin_client.get("/admin/api/tables/")
    assert response.status_code in (401, 403)


async def test_admin_shows_reference_data_read_only(admin_client):
    org = await factories.organization("community", "徐家埠社区")
    await staff.make("project_owner", org, username="owner")
    logged_in = await admin_login(admin_client)
    assert logged_in.status_code in (200, 303), logged_in.text
    tables = await admin_client.get("/admin/api/tables/")
    assert tables.status_code == 200, tables.text
    assert sorted(tables.json()) == ["organization", "staff_user"]
    orgs = await admin_client.get("/admin/api/tables/organization/")
    assert [row["name"] for row in orgs.json()["rows"]] == ["徐家埠社区"]
    users = await admin_client.get("/admin/api/tables/staff_user/")
    row = users.json()["rows"][0]
    assert row["username"] == "owner"
    assert "password_hash" not in row
    token = admin_client.cookies.get("csrftoken")
    created = await admin_client.post(
        "/admin/api/tables/organization/",
        json={"name": "伪造企业", "kind": "enterprise", "uscc": "123"},
        headers={"X-CSRFToken": token},
    )
    assert created.status_code in (403, 405)
    assert await Organization.count() == 1
    for money_table in ("pledge", "payment", "ledger_entry", "project"):
        response = await admin_client.get(f"/admin/api/tables/{money_table}/")
        assert response.status_code == 404, money_table


async def test_staff_pages_still_take_their_own_csrf_token_after_visiting_admin(admin_client):
    await admin_client.get("/admin/")
    page = await admin_client.get("/login", headers={"accept": "text/html"})
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    org = await factories.organization("community")
    member = await staff.make("organizer", username="orga")
    assert org and member
    response = await admin_client.post(
        "/login",
        data={"username": "orga", "password": staff.PASSWORD, "_csrf_token": token},
        headers={"accept": "text/html"},
    )
    assert response.status_code == 303
