"""Redis going away (a private redis-server, stopped): pledges are still accepted — the
outbox keeps their side effects until it returns — and readiness says Redis is down."""

from __future__ import annotations

import httpx
import pytest

from service.outbox.tables import OutboxMessage
from service.pledges.tables import Pledge
from tests import factories
from tests.browser import app_server
from tests.pledge_helpers import pledge_body
from tests.workers import PrivateRedis


@pytest.fixture
async def open_project(clean_db):
    event = await factories.event()
    return event.number, await factories.project(event.id, budget_fen=(1_000_000,))


@pytest.fixture
def redis_server():
    server = PrivateRedis().start()
    yield server
    server.stop()


@pytest.fixture
def served(open_project, redis_server):
    with app_server(REDIS_URL=redis_server.url, OUTBOX_KICK="1", LOG_LEVEL="ERROR") as base:
        yield base, open_project, redis_server


async def test_pledges_are_accepted_while_redis_is_down(served):
    base, (number, project), redis_server = served
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        before = await client.post("/api/v1/pledges", json=pledge_body(number, project, 10_000))
        assert before.status_code == 201, before.text
        assert (await client.get("/readyz")).status_code == 200

        redis_server.stop()
        during = await client.post(
            "/api/v1/pledges", json=pledge_body(number, project, 20_000, email="b@example.com")
        )
        assert during.status_code == 201, during.text
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["redis"].startswith("down")
        assert ready.json()["checks"]["database"] == "ok"
    assert await Pledge.count() == 2
    # The pledge's mail and live update wait in the outbox for the broker to return.
    pending = await OutboxMessage.count().where(OutboxMessage.delivered_at.is_null())
    assert pending >= 2
