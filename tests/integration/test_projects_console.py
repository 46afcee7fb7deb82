"""The console pages for proposals and editions, driven like a browser (CSRF tokens,
multipart forms): field errors re-render the form with 400 and write nothing."""

import re

import pytest

from service.audit.tables import AuditLog
from service.events.tables import Event
from service.projects.tables import BudgetLine, Project
from tests import factories, staff

HTML = {"accept": "text/html"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


@pytest.fixture
async def owner(client):
    org = await factories.organization("social_org", "乐龄社工")
    await factories.organization("community", "徐家埠社区")
    member = await staff.make("project_owner", org)
    await staff.login(client, member)
    return member


async def csrf(client, path="/console/projects/new"):
    page = await client.get(path, headers=HTML)
    assert page.status_code == 200, page.text
    return re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)


def form(token, community_id, **changes):
    data = {
        "_csrf_token": token,
        "title": "楼道扶手",
        "summary": "加装扶手",
        "community_id": str(community_id),
        "category": "accessibility",
        "budget_item": ["扶手", "安装", ""],
        "budget_amount": ["12,000.50", "3000", ""],
        "budget_kind": ["equipment", "construction", "other"],
        "minimum": "",
        "event": "",
    }
    data.update(changes)
    return data


async def community_id():
    from service.orgs.tables import Organization

    row = await Organization.select(Organization.id).where(Organization.kind == "community").first()
    return row["id"]


async def test_owner_creates_a_project_with_a_cover(client, owner):
    token = await csrf(client)
    response = await client.post(
        "/console/projects/new",
        data=form(token, await community_id()),
        files={"cover": ("cover.png", PNG, "image/png")},
        headers=HTML,
    )
    assert response.status_code == 303, response.text
    project = await Project.select().first()
    assert project["target_fen"] == 1_200_050 + 300_000
    assert project["status"] == "draft"
    assert project["cover_image"].endswith(".png")
    page = await client.get(response.headers["location"], headers=HTML)
    assert "¥15,000.50" in page.text or "15,000.50" in page.text
    cover = await client.get(f"/covers/{project['cover_image']}")
    assert cover.status_code == 200
    assert cover.headers["content-type"] == "image/png"
    assert cover.content == PNG


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "题" * 201}, "title"),
        ({"budget_amount": ["-5", "3000", ""]}, "budget[0].amount_fen"),
        ({"budget_amount": ["0", "3000", ""]}, "budget[0].amount_fen"),
        ({"budget_amount": ["abc", "3000", ""]}, "budget[0].amount_fen"),
        ({"budget_item": ["", "", ""], "budget_amount": ["", "", ""]}, "budget"),
        ({"minimum": "999999"}, "minimum_fen"),
        ({"category": "nope"}, "category"),
    ],
)
async def test_bad_forms_rerender_with_field_errors_and_write_nothing(
    client, owner, changes, field
):
    token = await csrf(client)
    response = await client.post(
        "/console/projects/new",
        data=form(token, await community_id(), **changes),
        files={"cover": ("", b"", "application/octet-stream")},
        headers=HTML,
    )
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.text
    assert 'value="楼道扶手"' in response.text or field == "title"  # typed values kept
    assert await Project.count() == 0
    assert await BudgetLine.count() == 0
    assert await AuditLog.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "media_type"),
    [
        ("evil.png", b"<svg onload=alert(1)>", "image/png"),  # lies about its type
        ("doc.pdf", b"%PDF-1.7\n", "application/pdf"),
        ("huge.png", PNG + b"\x00" * (2 * 1024 * 1024), "image/png"),
    ],
)
async def test_wrong_cover_files_are_refused_and_nothing_is_written(
    client, owner, name, content, media_type
):
    token = await csrf(client)
    response = await client.post(
        "/console/projects/new",
        data=form(token, await community_id()),
        files={"cover": (name, content, media_type)},
        headers=HTML,
    )
    assert response.status_code == 400
    assert 'data-field="cover"' in response.text
    assert await Project.count() == 0


@pytest.mark.parametrize(("content", "kind"), [(PNG, "png"), (JPEG, "jpeg"), (WEBP, "webp")])
async def test_cover_api_accepts_the_three_image_types(client, owner, content, kind):
    from tests.integration.test_projects_api import proposal

    world = {"community": await community_id()}
    created = await client.post(
        "/api/v1/console/projects",
        json=proposal(world, event=None),
        headers=owner.headers,
    )
    pid = created.json()["id"]
    response = await client.put(
        f"/api/v1/console/projects/{pid}/cover", content=content, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    served = await client.get(response.json()["cover_url"])
    assert served.headers["content-type"] == f"image/{kind}"
    replaced = await client.put(
        f"/api/v1/console/projects/{pid}/cover", content=PNG, headers=owner.headers
    )
    assert (await client.get(response.json()["cover_url"])).status_code == 404
    assert (await client.get(replaced.json()["cover_url"])).status_code == 200
    bad = await client.put(
        f"/api/v1/console/projects/{pid}/cover", content=b"GIF89a", headers=owner.headers
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "cover"


async def test_console_lists_show_my_proposals_and_the_review_queue(client, owner):
    event = await factories.event(status=Event.Status.review)
    submitted = await factories.project(event.id, status=Project.Status.submitted)
    mine = await client.get("/console/projects", headers=HTML)
    assert "我的申报" in mine.text
    assert f'data-project-id="{submitted}"' not in mine.text  # another organization's
    organizer = await staff.make("organizer")
    await client.post("/api/v1/auth/logout")
    await staff.login(client, organizer)
    queue = await client.get("/console/projects", headers=HTML)
    section = queue.text.split('id="review-queue"')[1].split("</table>")[0]
    assert f'data-project-id="{submitted}"' in section


async def test_organizer_runs_an_event_through_its_states(client):
    organizer = await staff.make("organizer")
    await staff.login(client, organizer)
    token = await csrf(client, "/console/events")
    created = await client.post(
        "/console/events/",
        data={"_csrf_token": token, "number": "7", "title": "第七届民生实事公益众筹会"},
        headers=HTML,
    )
    assert created.status_code == 303, created.text
    duplicate = await client.post(
        "/console/events/",
        data={"_csrf_token": token, "number": "7", "title": "again"},
        headers=HTML,
    )
    assert duplicate.status_code == 409
    for target in ("proposals", "review", "pledging", "live", "closed"):
        moved = await client.post(
            "/console/events/7/status", data={"_csrf_token": token, "status": target}, headers=HTML
        )
        assert moved.status_code == 303
    skipped = await client.post(
        "/console/events/7/status", data={"_csrf_token": token, "status": "archived"}, headers=HTML
    )
    assert skipped.status_code == 422
    row = await Event.select(Event.status).where(Event.number == 7).first()
    assert row["status"] == "closed"
    actions = await AuditLog.select(AuditLog.action).where(AuditLog.object_type == "event")
    assert [a["action"] for a in actions] == ["event.create"] + ["event.status"] * 5


async def test_public_api_and_page_show_the_cover(client, owner):
    event = await factories.event(number=8)
    pid = await factories.project(event.id)
    await Project.update({Project.cover_image: "0" * 32 + ".png"}).where(Project.id == pid)
    api = await client.get(f"/api/v1/projects/{pid}")
    assert api.json()["cover_url"] == "/covers/" + "0" * 32 + ".png"
    page = await client.get(f"/projects/{pid}", headers=HTML)
    assert 'src="/covers/' + "0" * 32 + '.png"' in page.text
    missing = await client.get("/covers/" + "0" * 32 + ".png")
    assert missing.status_code == 404
    traversal = await client.get("/covers/..%2Fsecret_key")
    assert traversal.status_code == 404
