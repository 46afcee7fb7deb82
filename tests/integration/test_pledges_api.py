"""POST /api/v1/pledges: validation, idempotency, over-subscription, concurrency, totals."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import json

import pytest

from service.donors.tables import Donor
from service.events.tables import Event
from service.ledger.balances import event_fund_figures, project_fund_figures
from service.ledger.services import verify_chain
from service.mail import mail_from_payload
from service.outbox.tables import OutboxMessage
from service.pledges.tables import Pledge
from tests import factories
from tests.pledge_helpers import VALID_USCC, outbox_topics, pledge_body, pledge_count


async def test_online_pledge_posts_ledger_outbox_and_mails_the_donor_link(client):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    response = await client.post(
        "/api/v1/pledges",
        json={**pledge_body(event.number, project, 12_345), "message": "加油"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["amount_fen"] == 12_345
    assert body["status"] == "pledged"
    assert body["channel"] == "online"
    assert body["outstanding_fen"] == 12_345 and body["paid_fen"] == 0
    assert body["due_on"] is not None
    assert (await client.get(f"/api/v1/pledges/{body['id']}")).json() == body
    figures = await project_fund_figures(project)
    assert (figures.pledged, figures.outstanding, figures.received) == (12_345, 12_345, 0)
    assert (await verify_chain()).ok
    topics = await outbox_topics()
    assert topics.count("live.pledge") == 1 and topics.count("mail.send") == 1
    mail = (
        await OutboxMessage.select(OutboxMessage.payload)
        .where(OutboxMessage.topic == "mail.send")
        .output(load_json=True)
        .first()
    )
    assert mail["payload"]["to"] == "wang@example.com"
    # Rendered by the relay when it sends, from the values the pledge had.
    assert mail["payload"]["template"] == "pledge_confirmation"
    rendered = mail_from_payload(mail["payload"])
    assert "/donor/" in rendered.text and "/donor/" in (rendered.html or "")
    assert "¥123.45" in rendered.text and "壹佰贰拾叁圆肆角伍分" in rendered.text
    due = dt.date.fromisoformat(body["due_on"])
    assert f"{due.year}年{due.month}月{due.day}日" in rendered.text  # a date for people


async def test_enterprise_donor_needs_a_valid_uscc(client):
    event = await factories.event()
    project = await factories.project(event.id)
    ok = await client.post(
        "/api/v1/pledges",
        json=pledge_body(
            event.number,
            project,
            50_000,
            kind="enterprise",
            display_name="某公司",
            uscc=VALID_USCC,
        ),
    )
    assert ok.status_code == 201, ok.text
    donor = await Donor.select(Donor.uscc, Donor.kind).first()
    assert donor == {"uscc": VALID_USCC, "kind": "enterprise"}


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"project_id": 999_999}, 404, "project_id"),
        ({"amount_fen": 0}, 400, None),
        ({"amount_fen": -100}, 400, None),
        ({"amount_fen": 99}, 400, "amount_fen"),
        ({"amount_fen": 100_000_001}, 400, "amount_fen"),
        ({"donor": {"kind": "individual", "display_name": "无联系方式"}}, 400, "donor.email"),
        (
            {
                "donor": {
                    "kind": "enterprise",
                    "display_name": "某公司",
                    "phone": "13800000000",
                    "uscc": "91330100799655058A",
                }
            },
            400,
            "donor.uscc",
        ),
        (
            {"donor": {"kind": "enterprise", "display_name": "某公司", "phone": "13800000000"}},
            400,
            "donor.uscc",
        ),
        ({"message": "长" * 501}, 400, None),
        ({"donor": {"kind": "individual", "display_name": "名" * 101, "phone": "138"}}, 400, None),
        (
            {"donor": {"kind": "individual", "display_name": "x", "email": "not-an-address"}},
            400,
            None,
        ),
    ],
)
async def test_bad_input_is_4xx_with_field_errors_and_writes_nothing(client, change, status, field):
    event = await factories.event()
    project = await factories.project(event.id)
    body = {**pledge_body(event.number, project, 10_000), **change}
    response = await client.post("/api/v1/pledges", json=body)
    assert response.status_code == status, response.text
    payload = response.json()
    assert payload["errors"], payload
    if field:
        assert field in {e["field"] for e in payload["errors"]}, payload
    assert await pledge_count() == 0
    assert await Donor.count() == 0
    assert await OutboxMessage.count() == 0


async def test_unpublished_project_and_other_events_project_are_refused(client):
    event = await factories.event()
    other = await factories.event()
    draft = await factories.project(event.id, status=factories.Project.Status.draft)
    elsewhere = await factories.project(other.id)
    for project in (draft, elsewhere):
        response = await client.post(
            "/api/v1/pledges", json=pledge_body(event.number, project, 10_000)
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "project_id"
    assert await pledge_count() == 0


async def test_idempotency_key_same_body_same_pledge_different_body_409(client):
    event = await factories.event()
    project = await factories.project(event.id)
    headers = {"Idempotency-Key": "key-0001-abcdef"}
    body = pledge_body(event.number, project, 20_000)
    first = await client.post("/api/v1/pledges", json=body, headers=headers)
    again = await client.post("/api/v1/pledges", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    other = await client.post(
        "/api/v1/pledges", json={**body, "amount_fen": 20_001}, headers=headers
    )
    assert other.status_code == 409
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await pledge_count() == 1
    assert (await project_fund_figures(project)).pledged == 20_000


async def test_refuse_rule_refuses_oversubscription(client):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(10_000,))
    await factories.pledge(event.number, project, 9_000)
    response = await client.post(
        "/api/v1/pledges",
        json={**pledge_body(event.number, project, 2_000), "allow_general_fund": True},
    )
    assert response.status_code == 422
    assert (await project_fund_figures(project)).pledged == 9_000


async def test_general_fund_rule_splits_the_excess_into_a_visible_general_fund_pledge(client):
    event = await factories.event()
    await Event.update({Event.oversubscription_rule: "general_fund"}).where(Event.id == event.id)
    project = await factories.project(event.id, budget_fen=(10_000,))
    await factories.pledge(event.number, project, 9_000)

    no_consent = await client.post(
        "/api/v1/pledges", json=pledge_body(event.number, project, 2_500)
    )
    assert no_consent.status_code == 422
    assert "general fund" in no_consent.json()["detail"]

    response = await client.post(
        "/api/v1/pledges",
        json={**pledge_body(event.number, project, 2_500), "allow_general_fund": True},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["amount_fen"] == 1_000 and body["project"] == project
    assert body["general_fund_fen"] == 1_500
    excess = await client.get(f"/api/v1/pledges/{body['general_fund_pledge']}")
    assert excess.json()["project"] is None
    assert excess.json()["amount_fen"] == 1_500
    assert excess.json()["excess_of"] == body["id"]
    assert (await client.get(f"/api/v1/pledges/{body['id']}")).json() == body

    figures = await event_fund_figures(event.id)
    assert figures[project].pledged == 10_000
    assert figures[None].pledged == 1_500

    full = await client.post(
        "/api/v1/pledges",
        json={**pledge_body(event.number, project, 700), "allow_general_fund": True},
    )
    assert full.status_code == 201
    assert full.json()["project"] is None and full.json()["amount_fen"] == 700
    figures = await event_fund_figures(event.id)
    assert figures[project].pledged == 10_000 and figures[None].pledged == 2_200
    assert (await verify_chain()).ok


async def test_200_concurrent_requests_with_50_keys_make_exactly_50_pledges(client):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(100_000_000,))
    amounts = {f"concurrent-key-{n:03d}": 100 + n * 37 for n in range(50)}
    keys = list(amounts) * 4

    async def send(key: str):
        body = pledge_body(event.number, project, amounts[key], display_name=f"捐赠人{key[-3:]}")
        return await client.post(
            "/api/v1/pledges",
            content=json.dumps(body),
            headers={"Idempotency-Key": key, "content-type": "application/json"},
        )

    responses = await asyncio.gather(*(send(key) for key in keys))
    assert sorted({r.status_code for r in responses}) == [200, 201]
    assert sum(r.status_code == 201 for r in responses) == 50
    ids_by_key: dict[str, set[str]] = {}
    for key, response in zip(keys, responses, strict=True):
        ids_by_key.setdefault(key, set()).add(response.json()["id"])
    assert all(len(ids) == 1 for ids in ids_by_key.values())
    assert await Pledge.count() == 50
    assert await Donor.count() == 50
    expected = sum(amounts.values())
    assert (await project_fund_figures(project)).pledged == expected
    project_api = (await client.get(f"/api/v1/projects/{project}")).json()
    assert project_api["totals"]["pledged"] == expected
    assert (await verify_chain()).ok


async def test_concurrent_pledges_never_oversubscribe_a_project(client):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(10_000,))
    responses = await asyncio.gather(
        *(
            client.post("/api/v1/pledges", json=pledge_body(event.number, project, 1_000))
            for _ in range(30)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 10 and statuses.count(422) == 20
    assert (await project_fund_figures(project)).pledged == 10_000
    assert await Pledge.count() == 10


async def test_the_mailed_link_opens_the_donors_page(client):
    import re

    from service.settings import get_settings
    from tasks.outbox import relay_once

    event = await factories.event()
    project = await factories.project(event.id)
    created = await client.post("/api/v1/pledges", json=pledge_body(event.number, project, 7_700))
    assert created.status_code == 201
    outbox_dir = get_settings().mail_outbox_dir
    before = set(outbox_dir.glob("*.eml")) if outbox_dir.exists() else set()
    assert await relay_once() >= 1
    [mail] = set(outbox_dir.glob("*.eml")) - before
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    assert message["To"] == "wang@example.com"
    body = message.get_body(preferencelist=("plain",)).get_content()
    path = re.search(r"/donor/[0-9a-f]{32}\.\d+\.[A-Za-z0-9_-]+", body).group(0)
    page = await client.get(path, headers={"accept": "text/html"})
    assert page.status_code == 200 and "¥77.00" in page.text
