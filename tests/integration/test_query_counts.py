"""Each public page and API answer costs a fixed number of SQL statements, whatever the
number of projects and pledges (README, "Public reads"). Counted on a cold cache: the
content version is moved before every request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from piccolo.engine.postgres import PostgresEngine

from service.events.tables import Event
from service.web import public_cache
from tests import factories
from tests.ledger_world import truncate_all

HTML = {"accept": "text/html"}
# Statements per route; README's "Public reads" table states the same numbers.
BOUNDS = {
    "/": 5,
    "/events/{n}": 4,
    "/projects/{id}": 10,  # + its funding-over-time chart (one read of its snapshots)
    "/api/v1/events/{n}/projects": 3,
    "/api/v1/projects/{id}": 3,
}


@contextmanager
def counting() -> Iterator[list[str]]:
    statements: list[str] = []
    run_querystring, run_ddl = PostgresEngine.run_querystring, PostgresEngine.run_ddl

    async def counted_querystring(self, querystring, in_pool=True):
        statements.append(str(querystring))
        return await run_querystring(self, querystring, in_pool)

    async def counted_ddl(self, ddl, in_pool=True):
        statements.append(ddl)
        return await run_ddl(self, ddl, in_pool)

    PostgresEngine.run_querystring = counted_querystring  # type: ignore[method-assign]
    PostgresEngine.run_ddl = counted_ddl  # type: ignore[method-assign]
    try:
        yield statements
    finally:
        PostgresEngine.run_querystring = run_querystring  # type: ignore[method-assign]
        PostgresEngine.run_ddl = run_ddl  # type: ignore[method-assign]


async def build(projects: int, pledges_per_project: int) -> dict[str, str]:
    """A closed edition with results and an open one, `projects` each, with pledges and
    payments on every project of the open one; the URLs of the routes to count."""
    await truncate_all()
    done = await factories.event(5, Event.Status.closed)
    for _ in range(projects):
        await factories.project(done.id)
    live = await factories.event(6)
    ids = [await factories.project(live.id, budget_fen=(10_000_000,)) for _ in range(projects)]
    for project in ids:
        for n in range(pledges_per_project):
            pledge = await factories.pledge(live.number, project, 1_000 + n)
            if n % 2:
                await factories.bank_payment(pledge, 500)
    return {
        "/": "/",
        "/events/{n}": f"/events/{live.number}",
        "/projects/{id}": f"/projects/{ids[0]}",
        "/api/v1/events/{n}/projects": f"/api/v1/events/{live.number}/projects",
        "/api/v1/projects/{id}": f"/api/v1/projects/{ids[0]}",
    }


async def count_routes(client, urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for route, url in urls.items():
        await public_cache.bump_content_version()  # a cold cache
        with counting() as statements:
            response = await client.get(url, headers=HTML)
        assert response.status_code == 200, (url, response.text[:300])
        counts[route] = len(statements)
    return counts


@pytest.mark.parametrize("grown", [(12, 30)], ids=["12-projects-30-pledges-each"])
async def test_statements_per_route_do_not_grow_with_projects_or_pledges(client, grown):
    small = await count_routes(client, await build(2, 2))
    large = await count_routes(client, await build(*grown))
    assert small == large == BOUNDS
