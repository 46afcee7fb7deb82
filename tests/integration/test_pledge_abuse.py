"""What one anonymous visitor can no longer do with the pledge form and API: reserve a
whole project, flood pledges or mails, or send a stranger a text of their choosing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import httpx
import pytest

from service.app import create_app
from service.audit.services import Actor
from service.donors.tables import Donor
from service.ledger.balances import project_fund_figures
from service.mail import mail_from_payload
from service.outbox.tables import OutboxMessage
from service.pledges.holds import release_unconfirmed
from service.pledges.services import PledgeDraft, create_pledge
from service.pledges.tables import Pledge
from service.settings import get_settings
from tests import factories
from tests.pledge_helpers import pledge_body

DEFAULT_LIMITS = {
    "limit_pledges": "10/minute;60/hour",
    "limit_pledges_per_contact": "5/hour;20/day",
    "limit_mails_per_address": "5/day",
}


def limited_app(**overrides: str):
    return create_app(dataclasses.replace(get_settings(), **{**DEFAULT_LIMITS, **overrides}))


def client_for(app, host: str = "203.0.113.5") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(host, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def open_project(clean_db):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(150_000_000,))
    return event.number, project


async def mails() -> list[dict]:
    rows = (
        await OutboxMessage.select(OutboxMessage.payload)
        .where(OutboxMessage.topic == "mail.send")
        .output(load_json=True)
    )
    return [row["payload"] for row in rows]


async def test_an_online_whole_project_claim_is_refused_and_blocks_nobody(client, open_project):
    body = {**pledge_body(*open_project, None), "whole_project": True}
    claim = await client.post("/api/v1/pledges", json=body)
    assert claim.status_code == 422, claim.text
    assert claim.json()["errors"][0]["field"] == "whole_project"
    after = await client.post("/api/v1/pledges", json=pledge_body(*open_project, 10_000))
    assert after.status_code == 201


async def test_whole_project_claims_respect_the_largest_single_pledge(open_project):
    number, project = open_project
    draft = PledgeDraft(
        event_number=number,
        project_id=project,
        donor=factories.donor_draft(),
        amount_fen=None,
        channel=Pledge.Channel.on_stage,
        whole_project=True,
    )
    with pytest.raises(Exception) as refused:
        await create_pledge(draft, Actor("organizer"))
    assert getattr(refused.value, "status", None) == 422
    assert "whole_project" in str(refused.value.errors)  # type: ignore[attr-defined]
    assert await Pledge.count() == 0


async def test_pledges_per_client_are_limited_with_retry_after(open_project):
    async with client_for(limited_app()) as client:
        statuses = []
        for n in range(11):
            body = pledge_body(*open_project, 10_000, email=f"d{n}@example.com")
            statuses.append(await client.post("/api/v1/pledges", json=body))
    assert [r.status_code for r in statuses[:10]] == [201] * 10
    refused = statuses[10]
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert refused.json()["errors"][0]["field"] == "client"
    assert await Pledge.count() == 10


async def test_pledges_per_contact_are_limited_across_clients(open_project):
    app = limited_app()
    statuses = []
    for n in range(6):
        async with client_for(app, f"198.51.100.{n + 1}") as client:
            body = pledge_body(*open_project, 10_000, email="Victim+1@example.com")
            statuses.append((await client.post("/api/v1/pledges", json=body)).status_code)
    assert statuses == [201] * 5 + [429]


async def test_confirmation_mails_per_address_are_limited(open_project):
    app = limited_app(limit_mails_per_address="2/day", limit_pledges_per_contact="100/hour")
    async with client_for(app) as client:
        for _ in range(4):
            body = pledge_body(*open_project, 10_000, email="victim@example.com")
            assert (await client.post("/api/v1/pledges", json=body)).status_code == 201
    assert await Pledge.count() == 4
    assert len(await mails()) == 2


async def test_mail_to_an_unconfirmed_address_carries_nothing_the_sender_typed(
    client, open_project
):
    spam = "bot5 visit http://spam.example"
    body = {
        **pledge_body(*open_project, 10_000, display_name=spam, email="victim@example.com"),
        "message": "cheap pills at http://spam.example",
    }
    assert (await client.post("/api/v1/pledges", json=body)).status_code == 201
    (payload,) = await mails()
    rendered = mail_from_payload(payload)
    for part in (rendered.subject, rendered.text, rendered.html or ""):
        assert "spam.example" not in part and "bot5" not in part
    assert rendered.text.startswith("您好")
    # The mailed link confirms the address; the donor page alone (where the form
    # redirects its sender) does not.
    link = next(w for w in rendered.text.split() if "/donor/" in w)
    path = link.split("127.0.0.1:8000", 1)[-1] if "127.0.0.1:8000" in link else link
    donor = await Donor.select(Donor.contact_confirmed_at).first()
    assert donor["contact_confirmed_at"] is None
    bare = path.split("?")[0]
    assert (await client.get(bare)).status_code == 200
    assert (await Donor.select(Donor.contact_confirmed_at).first())["contact_confirmed_at"] is None
    assert (await client.get(bare + "?confirm=forged")).status_code == 200
    assert (await Donor.select(Donor.contact_confirmed_at).first())["contact_confirmed_at"] is None
    assert (await client.get(path)).status_code == 200
    assert (await Donor.select(Donor.contact_confirmed_at).first())["contact_confirmed_at"]


async def test_unconfirmed_online_pledges_hold_capacity_for_a_limited_time(client, open_project):
    number, project = open_project
    held = await client.post(
        "/api/v1/pledges", json=pledge_body(number, project, 100_000_000, email="x@example.com")
    )
    confirmed = await client.post(
        "/api/v1/pledges", json=pledge_body(number, project, 50_000, email="y@example.com")
    )
    assert held.status_code == confirmed.status_code == 201
    await Donor.update({Donor.contact_confirmed_at: dt.datetime.now(dt.UTC)}).where(
        Donor.email == "y@example.com"
    )
    assert (await project_fund_figures(project)).pledged == 100_050_000
    hours = get_settings().online_hold_hours
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours - 1)
    assert await release_unconfirmed(soon) == []
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours + 1)
    assert await release_unconfirmed(later) == [uuid.UUID(held.json()["id"])]
    assert (await project_fund_figures(project)).pledged == 50_000
    statuses = {r["id"]: r["status"] for r in await Pledge.select(Pledge.id, Pledge.status)}
    assert statuses[uuid.UUID(held.json()["id"])] == "lapsed"
    assert statuses[uuid.UUID(confirmed.json()["id"])] == "pledged"
    assert await release_unconfirmed(later) == []  # idempotent


async def test_the_demo_donors_online_pledges_are_not_released(clean_db):
    from service.demo.loader import load_demo

    await load_demo()
    online = await Pledge.count().where((Pledge.channel == "online") & (Pledge.status == "pledged"))
    assert online > 0
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
    assert await release_unconfirmed(later) == []
    assert online == await Pledge.count().where(
        (Pledge.channel == "online") & (Pledge.status == "pledged")
    )
