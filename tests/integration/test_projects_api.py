"""Proposals over the staff API: drafting, validation that writes nothing, the review flow,
publishing only into an open edition, and what owners of other organizations may see."""

import pytest

from service.audit.tables import AuditLog
from service.events.tables import Event
from service.projects.tables import BudgetLine, Project
from tests import factories, staff


@pytest.fixture
async def world(clean_db):
    owner_org = await factories.organization("social_org", "乐龄社工服务中心")
    community = await factories.organization("community", "徐家埠社区")
    other_org = await factories.organization("social_org", "别家社工站")
    event = await factories.event(number=6, status=Event.Status.review)
    return {
        "owner": await staff.make("project_owner", owner_org),
        "other_owner": await staff.make("project_owner", other_org),
        "organizer": await staff.make("organizer"),
        "auditor": await staff.make("auditor"),
        "community": community,
        "owner_org": owner_org,
        "event": event,
    }


def proposal(world, **changes):
    body = {
        "title": "老旧小区加装扶手",
        "summary": "为高龄老人楼道加装扶手。",
        "community_id": world["community"],
        "category": "accessibility",
        "beneficiaries": "60岁以上老人约300人",
        "implementer": "乐龄社工服务中心",
        "timeline": "2027年3月完成",
        "budget": [
            {"item": "不锈钢扶手", "amount_fen": 1_200_000, "kind": "equipment"},
            {"item": "安装施工", "amount_fen": 345_67, "kind": "construction"},
        ],
        "minimum_fen": 1_000_000,
        "event": 6,
    }
    body.update(changes)
    return body


async def create(client, world, **changes):
    response = await client.post(
        "/api/v1/console/projects", json=proposal(world, **changes), headers=world["owner"].headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_owner_drafts_a_project_whose_target_is_the_budget_sum(client, world):
    project = await create(client, world)
    assert project["status"] == "draft"
    assert project["target_fen"] == 1_200_000 + 34_567
    assert project["owner_org_id"] == world["owner_org"]
    assert project["event_number"] == 6
    assert project["allowed_actions"] == ["submit"]
    stored = await Project.select(Project.target_fen).where(Project.id == project["id"]).first()
    assert stored["target_fen"] == 1_234_567
    lines = await BudgetLine.select(BudgetLine.amount_fen).where(
        BudgetLine.project == project["id"]
    )
    assert sum(line["amount_fen"] for line in lines) == 1_234_567


async def test_owner_cannot_draft_for_another_organization(client, world):
    project = await create(client, world, owner_org_id=999)
    assert project["owner_org_id"] == world["owner_org"]


BAD = [
    ({"title": "长" * 201}, "title"),
    ({"title": "   "}, "title"),
    ({"summary": "x" * 4001}, "summary"),
    ({"budget": []}, "budget"),
    ({"budget": [{"item": "扶手", "amount_fen": 0}]}, "budget[0].amount_fen"),
    ({"budget": [{"item": "扶手", "amount_fen": -100}]}, "budget[0].amount_fen"),
    ({"budget": [{"item": "", "amount_fen": 100}]}, "budget[0].item"),
    ({"budget": [{"item": "扶手", "amount_fen": 100, "kind": "bribe"}]}, "budget[0].kind"),
    ({"target_fen": 1_000_000}, "target_fen"),
    ({"minimum_fen": 99_999_999}, "minimum_fen"),
    ({"minimum_fen": 0}, "minimum_fen"),
    ({"category": "weapons"}, "category"),
    ({"community_id": 424242}, "community_id"),
    ({"event": 77}, "event"),
]


@pytest.mark.parametrize(("changes", "field"), BAD)
async def test_bad_proposals_are_400_with_the_field_and_write_nothing(
    client, world, changes, field
):
    response = await client.post(
        "/api/v1/console/projects",
        json=proposal(world, **changes),
        headers=world["owner"].headers,
    )
    assert response.status_code == 400, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert await Project.count() == 0
    assert await BudgetLine.count() == 0
    assert await AuditLog.count() == 0


@pytest.mark.parametrize(
    "budget",
    [
        [{"item": "扶手", "amount_fen": 1.5}],
        [{"item": "扶手", "amount_fen": "100"}],
        [{"item": "扶手"}],
    ],
)
async def test_malformed_amounts_are_400(client, world, budget):
    response = await client.post(
        "/api/v1/console/projects",
        json=proposal(world, budget=budget),
        headers=world["owner"].headers,
    )
    assert response.status_code == 400
    assert response.json()["errors"]
    assert await Project.count() == 0


async def test_review_flow_to_publication_with_audit_trail(client, world):
    project = await create(client, world)
    pid = project["id"]
    owner, organizer = world["owner"].headers, world["organizer"].headers
    base = f"/api/v1/console/projects/{pid}"

    submitted = await client.post(f"{base}/submit", headers=owner)
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["status"] == "submitted"

    # Sent back with a reason the owner sees, edited, resubmitted.
    no_reason = await client.post(f"{base}/request-changes", json={}, headers=organizer)
    assert no_reason.status_code == 400
    back = await client.post(
        f"{base}/request-changes", json={"reason": "请补充安装楼栋清单"}, headers=organizer
    )
    assert back.json()["status"] == "changes_requested"
    seen = (await client.get(base, headers=owner)).json()
    assert seen["review_note"] == "请补充安装楼栋清单"
    edited = await client.put(
        base, json=proposal(world, timeline="1-12栋，2027年3月完成"), headers=owner
    )
    assert edited.status_code == 200, edited.text
    assert (await client.post(f"{base}/submit", headers=owner)).json()["status"] == "submitted"

    assert (await client.post(f"{base}/approve", headers=organizer)).json()["status"] == "approved"
    published = await client.post(f"{base}/publish", json={"event": 6}, headers=organizer)
    assert published.status_code == 201, published.text
    assert published.json()["status"] == "published"

    public = await client.get(f"/api/v1/projects/{pid}")
    assert public.status_code == 200
    assert public.json()["totals"]["target"] == 1_234_567
    portfolio = await client.get("/api/v1/events/6/projects")
    assert [p["id"] for p in portfolio.json()] == [pid]

    trail = (await client.get(f"{base}/audit", headers=owner)).json()
    assert [t["action"] for t in trail] == [
        "project.create",
        "project.submit",
        "project.request_changes",
        "project.update",
        "project.submit",
        "project.approve",
        "project.publish",
    ]
    assert trail[2]["reason"] == "请补充安装楼栋清单"
    assert trail[2]["actor"] == "organizer:organizer"
    assert trail[2]["data"] == {"from": "submitted", "to": "changes_requested"}


async def test_reject_reason_is_shown_to_the_owner(client, world):
    pid = (await create(client, world))["id"]
    await client.post(f"/api/v1/console/projects/{pid}/submit", headers=world["owner"].headers)
    rejected = await client.post(
        f"/api/v1/console/projects/{pid}/reject",
        json={"reason": "与去年项目重复"},
        headers=world["organizer"].headers,
    )
    assert rejected.json()["status"] == "rejected"
    seen = await client.get(f"/api/v1/console/projects/{pid}", headers=world["owner"].headers)
    assert seen.json()["review_note"] == "与去年项目重复"
    again = await client.post(
        f"/api/v1/console/projects/{pid}/submit", headers=world["owner"].headers
    )
    assert again.status_code == 422


@pytest.mark.parametrize("status", [s for s in Event.Status if s not in ("review", "pledging")])
async def test_publishing_needs_an_event_open_for_it(client, world, status):
    closed = await factories.event(number=9, status=status)
    pid = await factories.project(closed.id, status=Project.Status.approved)
    response = await client.post(
        f"/api/v1/console/projects/{pid}/publish",
        json={"event": 9},
        headers=world["organizer"].headers,
    )
    assert response.status_code == 422, response.text
    row = await Project.select(Project.status).where(Project.id == pid).first()
    assert row["status"] == "approved"
    assert await AuditLog.count() == 0


async def test_owners_see_only_their_own_projects(client, world):
    pid = (await create(client, world))["id"]
    other = world["other_owner"].headers
    assert (await client.get(f"/api/v1/console/projects/{pid}", headers=other)).status_code == 404
    assert (await client.get("/api/v1/console/projects", headers=other)).json() == []
    assert (
        await client.post(f"/api/v1/console/projects/{pid}/submit", headers=other)
    ).status_code == 404
    assert (
        await client.put(f"/api/v1/console/projects/{pid}", json=proposal(world), headers=other)
    ).status_code == 404
    listed = await client.get("/api/v1/console/projects", headers=world["auditor"].headers)
    assert [p["id"] for p in listed.json()] == [pid]


async def test_owner_cannot_edit_after_submitting(client, world):
    pid = (await create(client, world))["id"]
    owner = world["owner"].headers
    await client.post(f"/api/v1/console/projects/{pid}/submit", headers=owner)
    response = await client.put(
        f"/api/v1/console/projects/{pid}", json=proposal(world, title="改名"), headers=owner
    )
    assert response.status_code == 422
    row = await Project.select(Project.title).where(Project.id == pid).first()
    assert row["title"] == "老旧小区加装扶手"


async def test_owners_are_mailed_the_decision_through_the_outbox(client, world):
    from service.outbox.tables import OutboxMessage

    await staff.make("project_owner", world["owner_org"], username="mailme", email="o@example.com")
    pid = (await create(client, world))["id"]
    await client.post(f"/api/v1/console/projects/{pid}/submit", headers=world["owner"].headers)
    assert await OutboxMessage.count() == 0  # submitting tells nobody
    await client.post(
        f"/api/v1/console/projects/{pid}/request-changes",
        json={"reason": "请补充预算依据"},
        headers=world["organizer"].headers,
    )
    mails = await OutboxMessage.select(OutboxMessage.topic, OutboxMessage.payload).output(
        load_json=True
    )
    assert [m["topic"] for m in mails] == ["mail.send"]
    payload = mails[0]["payload"]
    assert payload["to"] == "o@example.com"
    assert "老旧小区加装扶手" in payload["subject"]
    assert "请补充预算依据" in payload["text"]
    assert f"/console/projects/{pid}" in payload["text"]
