"""GET /api/v1/ledger/balances counts only published projects in the edition's target,
as the edition's own page does: a draft moves neither."""

from __future__ import annotations

from service.projects.tables import Project
from tests import factories


async def test_unpublished_projects_do_not_move_the_event_target(client):
    event = await factories.event()
    await factories.project(event.id, budget_fen=(300_000,))
    for status in (Project.Status.draft, Project.Status.submitted, Project.Status.rejected):
        await factories.project(event.id, budget_fen=(5_000_000,), status=status)
    balances = await client.get("/api/v1/ledger/balances", params={"event": event.number})
    assert balances.status_code == 200
    assert balances.json()["total"]["target"] == 300_000
    page = await client.get(f"/api/v1/events/{event.number}")
    assert page.status_code == 200
    assert "5000000" not in page.text
