"""The console's staff page: organizers see every staff account (never a password hash);
nobody else does. It replaced Piccolo Admin's read-only staff table and its second login."""

from __future__ import annotations

from tests import factories, staff

HTML = {"accept": "text/html"}


async def test_organizers_see_the_staff_without_password_hashes(client):
    org = await factories.organization("community", "徐家埠社区")
    owner = await staff.make("project_owner", org, username="owner")
    chief = await staff.make("organizer", username="chief")
    page = await client.get("/console/staff", headers={**HTML, **chief.headers})
    assert page.status_code == 200, page.text[:300]
    assert "owner" in page.text and "徐家埠社区" in page.text and "chief" in page.text
    assert "argon2" not in page.text
    english = await client.get("/console/staff?lang=en", headers={**HTML, **chief.headers})
    assert "Staff accounts" in english.text
    refused = await client.get("/console/staff", headers={**HTML, **owner.headers})
    assert refused.status_code == 403


async def test_there_is_no_second_admin_login(client):
    assert (await client.get("/admin/")).status_code == 404
