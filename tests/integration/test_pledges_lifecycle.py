"""Pledge lifecycle: offline payments, cancellation, lapse, and pledge-to-payment tracking."""

from __future__ import annotations

import datetime as dt
import re

from service.audit.tables import AuditLog
from service.auth.tables import StaffUser
from service.ledger.balances import project_fund_figures
from service.ledger.services import verify_chain
from service.pledges.lifecycle import lapse_overdue
from service.pledges.tables import Pledge
from tests import factories
from tests.pledge_helpers import log_in, outbox_topics


async def status_of(pledge_id) -> str:
    return (await Pledge.select(Pledge.status).where(Pledge.id == pledge_id).first())["status"]


async def test_offline_payments_partial_then_whole_over_api(client):
    await log_in(client)
    event = await factories.event()
    project = await factories.project(event.id)
    pledge = await factories.pledge(event.number, project, 50_000)
    url = f"/api/v1/pledges/{pledge}/offline-payments"
    first = await client.post(
        url,
        json={
            "provider": "bank",
            "amount_fen": 20_000,
            "reference": "BOC-001",
            "received_on": "2026-11-20",
        },
    )
    assert first.status_code == 201, first.text
    assert first.json()["pledge_status"] == "partially_paid"
    assert first.json()["outstanding_fen"] == 30_000
    too_much = await client.post(
        url,
        json={
            "provider": "cash",
            "amount_fen": 30_001,
            "reference": "SLIP-9",
            "received_on": "2026-11-21",
        },
    )
    assert too_much.status_code == 422
    same_reference = await client.post(
        url,
        json={
            "provider": "bank",
            "amount_fen": 1_000,
            "reference": "BOC-001",
            "received_on": "2026-11-21",
        },
    )
    assert same_reference.status_code == 409
    rest = await client.post(
        url,
        json={
            "provider": "cash",
            "amount_fen": 30_000,
            "reference": "SLIP-9",
            "received_on": "2026-11-21",
        },
    )
    assert rest.status_code == 201, rest.text
    assert rest.json()["pledge_status"] == "paid" and rest.json()["outstanding_fen"] == 0
    figures = await project_fund_figures(project)
    assert (figures.pledged, figures.received, figures.outstanding) == (50_000, 50_000, 0)
    assert (await outbox_topics()).count("live.payment") == 2
    assert (await verify_chain()).ok


async def test_offline_payment_needs_an_organizer(client):
    await log_in(client, StaffUser.Role.auditor, "audi")
    event = await factories.event()
    pledge = await factories.pledge(event.number, await factories.project(event.id), 1_000)
    response = await client.post(
        f"/api/v1/pledges/{pledge}/offline-payments",
        json={
            "provider": "cash",
            "amount_fen": 1_000,
            "reference": "S1",
            "received_on": "2026-11-21",
        },
    )
    assert response.status_code == 403


async def test_cancel_releases_the_unpaid_remainder_with_a_reason(client):
    await log_in(client)
    event = await factories.event()
    project = await factories.project(event.id)
    pledge = await factories.pledge(event.number, project, 30_000)
    await factories.bank_payment(pledge, 10_000)
    no_reason = await client.post(f"/api/v1/pledges/{pledge}/cancel", json={"reason": ""})
    assert no_reason.status_code == 400
    response = await client.post(
        f"/api/v1/pledges/{pledge}/cancel", json={"reason": "捐赠人改为下届捐赠"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    assert response.json()["status_reason"] == "捐赠人改为下届捐赠"
    figures = await project_fund_figures(project)
    assert (figures.pledged, figures.received, figures.outstanding) == (10_000, 10_000, 0)
    again = await client.post(f"/api/v1/pledges/{pledge}/cancel", json={"reason": "again"})
    assert again.status_code == 422
    audit = await AuditLog.select(AuditLog.reason).where(AuditLog.action == "pledge.cancelled")
    assert audit == [{"reason": "捐赠人改为下届捐赠"}]
    assert "live.pledge_released" in await outbox_topics()


async def test_lapse_after_due_date_plus_grace_only(clean_db):
    event = await factories.event()
    project = await factories.project(event.id)
    today = dt.date(2026, 12, 31)
    old = await factories.pledge(event.number, project, 10_000, due_on=dt.date(2026, 12, 1))
    in_grace = await factories.pledge(event.number, project, 20_000, due_on=dt.date(2026, 12, 25))
    paid = await factories.pledge(event.number, project, 5_000, due_on=dt.date(2026, 11, 1))
    await factories.bank_payment(paid, 5_000)
    partly = await factories.pledge(event.number, project, 8_000, due_on=dt.date(2026, 11, 1))
    await factories.bank_payment(partly, 3_000)

    lapsed = await lapse_overdue(today)
    assert set(lapsed) == {old, partly}
    assert [await status_of(p) for p in (old, in_grace, paid, partly)] == [
        "lapsed",
        "pledged",
        "paid",
        "lapsed",
    ]
    figures = await project_fund_figures(project)
    assert figures.pledged == 20_000 + 5_000 + 3_000
    assert figures.received == 8_000
    assert figures.outstanding == 20_000
    assert await lapse_overdue(today) == []
    assert (await verify_chain()).ok


async def test_tracking_api_per_project_event_and_overdue(client):
    event = await factories.event()
    a = await factories.project(event.id, budget_fen=(100_000,))
    b = await factories.project(event.id, budget_fen=(50_000,))
    late = await factories.pledge(event.number, a, 40_000, due_on=dt.date(2020, 1, 1))
    await factories.bank_payment(late, 15_000)
    await factories.pledge(event.number, a, 10_000)
    paid = await factories.pledge(event.number, b, 20_000)
    await factories.bank_payment(paid, 20_000)
    await factories.pledge(event.number, None, 3_000)

    url = f"/api/v1/events/{event.number}/pledge-tracking"
    assert (await client.get(url)).status_code == 401
    await log_in(client, StaffUser.Role.auditor, "audi")
    response = await client.get(url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totals"] == {"pledged": 73_000, "received": 35_000, "outstanding": 38_000}
    lines = {line["project"]: line for line in body["projects"]}
    assert (lines[a]["pledged"], lines[a]["received"], lines[a]["outstanding"]) == (
        50_000,
        15_000,
        35_000,
    )
    assert lines[a]["overdue_fen"] == 25_000
    assert (lines[b]["pledged"], lines[b]["received"], lines[b]["outstanding"]) == (
        20_000,
        20_000,
        0,
    )
    assert lines[None]["pledged"] == 3_000
    assert body["overdue_fen"] == 25_000
    assert [o["id"] for o in body["overdue"]] == [str(late)]
    assert body["overdue"][0]["outstanding_fen"] == 25_000

    page = await client.get(
        f"/console/pledges?event={event.number}", headers={"accept": "text/html"}
    )
    assert page.status_code == 200
    assert "¥730.00" in page.text and "¥250.00" in page.text
    # The chart: one scale for every row (the largest target or pledge), received, then
    # what is outstanding with its overdue part at the end.
    rows = body["projects"]
    top = max([1] + [r["target_fen"] or 0 for r in rows] + [r["pledged"] for r in rows])

    def width(fen: int) -> int:
        return fen * 420 // top

    chart = re.search(r'<figure class="chart pl-chart">.*?</figure>', page.text, re.S).group(0)
    assert f'width="{width(15_000)}" height="16" class="chart-received"' in chart
    assert (
        f'width="{width(35_000) - width(25_000)}" height="16" class="pl-chart-outstanding"' in chart
    )
    assert f'width="{width(25_000)}" height="16" class="pl-chart-overdue"' in chart
    assert f'width="{width(20_000)}" height="16" class="chart-received"' in chart  # b, paid
