"""The public contract's error shape: every 4xx is {"detail", "errors": [{field, message}]},
and nothing a client can send produces a 500."""

import json

import pytest

from tests import factories


def assert_error_shape(response, status):
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], list)
    for error in body["errors"]:
        assert set(error) == {"field", "message"}


async def test_unknown_things_are_404_with_the_error_shape(client):
    assert_error_shape(await client.get("/api/v1/events/99"), 404)
    assert_error_shape(await client.get("/api/v1/projects/12345"), 404)
    assert_error_shape(
        await client.get("/api/v1/pledges/00000000-0000-0000-0000-000000000000"), 404
    )
    assert_error_shape(await client.get("/api/v1/nothing-here"), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/events/0",
        "/api/v1/events/-1",
        "/api/v1/events/99999999999999999999",
        "/api/v1/projects/0",
        "/api/v1/ledger/balances",
        "/api/v1/ledger/balances?event=abc",
        "/api/v1/events/5/projects?community=" + "x" * 500,
    ],
)
async def test_bad_parameters_are_4xx(client, path):
    response = await client.get(path)
    assert 400 <= response.status_code < 500, response.text
    assert_error_shape(response, response.status_code)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"event": "five"}',
        b'{"event": 1, "donor": {"kind": "alien", "display_name": "x"}}',
        b'{"event": 1, "donor": {"kind": "individual", "display_name": ""}}',
        b'{"event": 1, "amount_fen": -5, "donor": {"kind": "individual", "display_name": "x"}}',
        b'{"event": 1, "amount_fen": 1.5, "donor": {"kind": "individual", "display_name": "x"}}',
        b'{"event": 1, "unknown": 1, "donor": {"kind": "individual", "display_name": "x"}}',
    ],
)
async def test_malformed_pledges_are_400_with_field_errors(client, body):
    response = await client.post(
        "/api/v1/pledges", content=body, headers={"content-type": "application/json"}
    )
    assert_error_shape(response, 400)
    assert response.json()["errors"]


async def test_a_pledge_into_a_closed_event_is_refused_and_writes_nothing(client):
    from service.pledges.tables import Pledge

    event = await factories.event(status=factories.Event.Status.closed)
    project = await factories.project(event.id)
    response = await client.post(
        "/api/v1/pledges",
        json={
            "event": event.number,
            "project_id": project,
            "amount_fen": 10_000,
            "donor": {"kind": "individual", "display_name": "李四", "email": "li@example.com"},
        },
    )
    assert_error_shape(response, 422)
    assert response.json()["errors"][0]["field"] == "event"
    assert await Pledge.count() == 0


async def test_error_pages_are_html_in_chinese(client):
    response = await client.get("/projects/424242", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "出错了" in response.text


async def test_health_and_readiness(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok"}


async def test_readiness_names_redis_when_it_is_down(client, monkeypatch):
    import dataclasses

    from service import health

    real = health.get_settings()
    monkeypatch.setattr(
        health,
        "get_settings",
        lambda: dataclasses.replace(real, redis_url="redis://127.0.0.1:1/0"),
    )
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert "redis" in response.json()["detail"]
    assert response.json()["checks"]["database"] == "ok"


async def test_readiness_checks_a_live_redis(client, monkeypatch, redis_url):
    import dataclasses

    from service import health

    real = health.get_settings()
    monkeypatch.setattr(
        health, "get_settings", lambda: dataclasses.replace(real, redis_url=redis_url)
    )
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "ok"


async def test_openapi_is_served(client):
    schema = (await client.get("/schema/openapi.json")).json()
    for path in ("/api/v1/events", "/api/v1/pledges", "/api/v1/ledger/balances"):
        assert path in schema["paths"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"event": 2**31}, "event"),
        ({"event": 2**70}, "event"),
        ({"project_id": 2**31}, "project_id"),
        ({"project_id": 2**64}, "project_id"),
        ({"amount_fen": 2**63}, "amount_fen"),
    ],
)
async def test_numbers_beyond_their_columns_are_400_naming_the_field(client, changes, field):
    """Before, these reached PostgreSQL and came back as a 500 (integer out of range)."""
    body = {
        "event": 1,
        "project_id": 1,
        "amount_fen": 1000,
        "donor": {"kind": "individual", "display_name": "x", "email": "x@example.com"},
        **changes,
    }
    response = await client.post("/api/v1/pledges", json=body)
    assert_error_shape(response, 400)
    assert field in json.dumps(response.json(), ensure_ascii=False)


async def test_an_offline_payment_beyond_bigint_is_400(client):
    from tests.pledge_helpers import log_in

    event = await factories.event()
    project = await factories.project(event.id)
    pledge = await factories.pledge(event.number, project, 10_000)
    await log_in(client)
    response = await client.post(
        f"/api/v1/pledges/{pledge}/offline-payments",
        json={
            "provider": "bank",
            "amount_fen": 2**64,
            "reference": "x",
            "received_on": "2026-11-28",
        },
    )
    assert_error_shape(response, 400)
    assert "amount_fen" in response.text


HUGE = 2**40


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/ledger/balances?event={HUGE}",
        f"/api/v1/exports/ledger?event={HUGE}",
        f"/api/v1/exports/ledger?event=5&project={HUGE}",
        f"/api/v1/payments/reconciliation?event={HUGE}",
        f"/console/payments/reconciliation?event={HUGE}",
        f"/console/pledges?event={HUGE}",
        f"/console/claims?event={HUGE}",
        f"/console/receipts?event={HUGE}",
        f"/console/dashboard?event={HUGE}",
    ],
)
async def test_query_numbers_beyond_their_columns_are_4xx(client, path):
    """Found by schemathesis: `?event=183105949830` on the balances came back as a 500."""
    from tests.pledge_helpers import log_in

    await log_in(client)
    response = await client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code, response.text[:300])
