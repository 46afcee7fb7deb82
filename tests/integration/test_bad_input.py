"""Input an anonymous visitor can send answers 4xx naming the field, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest

from service.donors.tables import Donor
from service.pledges.tables import Pledge
from tests import factories
from tests.pledge_helpers import HTML, log_in, pledge_body


@pytest.fixture
async def open_project(client):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    return event.number, project


@pytest.mark.parametrize(
    "change",
    [
        {"donor": {"kind": "individual", "display_name": "王\u0000明", "email": "a@b.cn"}},
        {"message": "hi\u0000there"},
        {"donor": {"kind": "individual", "display_name": "王明", "email": "a\u0000@b.cn"}},
    ],
)
async def test_nul_bytes_in_a_pledge_are_400(client, open_project, change):
    body = {**pledge_body(*open_project, 10_000), **change}
    response = await client.post("/api/v1/pledges", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"]
    assert await Pledge.count() == 0


async def test_nul_byte_in_a_query_is_400(client):
    await log_in(client)
    response = await client.get("/api/v1/console/projects?status=draft%00")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "query"


async def test_nul_byte_in_a_form_is_400(client, open_project):
    page = await client.post(
        f"/projects/{open_project[1]}/pledge",
        content=b"display_name=a%00b&amount=10",
        headers={**HTML, "content-type": "application/x-www-form-urlencoded"},
    )
    assert page.status_code == 400


@pytest.mark.parametrize(
    "number", ["5-99999999999999999999999", "99999999999-1", "５-000001", "5-0", "²-1"]
)
async def test_receipt_verify_with_odd_numbers_is_4xx(client, number):
    response = await client.get(
        "/receipts/verify", params={"number": number, "code": "A"}, headers=HTML
    )
    assert response.status_code == 400, response.text[:300]


async def test_deeply_nested_json_is_400(client):
    deep = b"[" * 100_000 + b"]" * 100_000
    response = await client.post(
        "/api/v1/pledges", content=deep, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


@pytest.mark.parametrize(
    "name", ["   ", "\u202eevil", "a\u001b[31mred", "x\u200by", "\u2066x\u2069", "a\nb"]
)
async def test_names_with_invisible_or_control_characters_are_refused(client, open_project, name):
    body = pledge_body(*open_project, 10_000, display_name=name)
    response = await client.post("/api/v1/pledges", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "donor.display_name"
    assert await Donor.count() == 0


async def test_names_are_stored_trimmed(client, open_project):
    body = pledge_body(*open_project, 10_000, display_name="  王小明  ")
    response = await client.post("/api/v1/pledges", json=body)
    assert response.status_code == 201
    assert response.json()["donor_name"] == "王小明"


@pytest.mark.parametrize("value", ["100", 100.0, True, "1e4"])
async def test_amounts_are_not_coerced_from_other_types(client, open_project, value):
    body = {**pledge_body(*open_project, None), "amount_fen": value}
    response = await client.post("/api/v1/pledges", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "amount_fen"
    assert await Pledge.count() == 0


async def test_offline_payment_cannot_be_dated_in_the_future(client, open_project):
    created = await client.post("/api/v1/pledges", json=pledge_body(*open_project, 10_000))
    await log_in(client)
    pledge_id = created.json()["id"]
    base = {"provider": "bank", "amount_fen": 10_000, "reference": "B-1"}
    future = await client.post(
        f"/api/v1/pledges/{pledge_id}/offline-payments",
        json={**base, "received_on": "2099-01-01"},
    )
    assert future.status_code == 400, future.text
    assert future.json()["errors"][0]["field"] == "received_on"
    today = dt.date.today().isoformat()
    ok = await client.post(
        f"/api/v1/pledges/{pledge_id}/offline-payments", json={**base, "received_on": today}
    )
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize("name", ["  ", "社区\u202e", "a\u0007b"])
async def test_organization_names_are_checked_like_donor_names(client, name):
    from tests import staff

    organizer = await staff.make("organizer")
    response = await client.post(
        "/api/v1/organizations",
        json={"name": name, "kind": "community"},
        headers=organizer.headers,
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "name"
