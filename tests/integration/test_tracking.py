"""Portfolio tracking: snapshots kept as history, alerts (over-subscription, under the
minimum near the close, unpaid too long, ledger breach), and the dashboard page."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from service.auth.services import UserDraft, create_user, issue_token
from service.auth.tables import StaffUser
from service.events.tables import Event
from service.outbox.tables import OutboxMessage
from service.payments.tables import Payment
from service.pledges.tables import Pledge
from service.projects.tables import Project
from service.tracking.services import Thresholds, find_alerts, send_alerts, take_snapshots
from service.tracking.tables import ProjectSnapshot
from tests import factories

NOW = dt.datetime.now(dt.UTC)
THRESHOLDS = Thresholds(unpaid_days=30, minimum_days=3)


@pytest.fixture
async def closing_event(clean_db):
    """Edition 5 closing in two days, with a project half paid and an untouched one."""
    event = await factories.event(number=5, pledge_closes_at=NOW + dt.timedelta(days=2))
    busy = await factories.project(event.id, budget_fen=(600_000, 400_000))
    quiet = await factories.project(event.id, budget_fen=(300_000,))
    await Project.update({Project.minimum_fen: 200_000}).where(Project.id == quiet)
    pledge = await factories.pledge(5, busy, 800_000)
    await factories.bank_payment(pledge, 500_000)
    return {"event": event, "busy": busy, "quiet": quiet, "pledge": pledge}


async def test_snapshots_keep_each_projects_figures_over_time(closing_event):
    assert await take_snapshots(NOW - dt.timedelta(hours=1)) == 2
    await factories.bank_payment(closing_event["pledge"], 300_000)
    assert await take_snapshots(NOW) == 2
    rows = (
        await ProjectSnapshot.select()
        .where(ProjectSnapshot.project == closing_event["busy"])
        .order_by(ProjectSnapshot.taken_at)
    )
    assert [
        (r["target_fen"], r["pledged_fen"], r["received_fen"], r["balance_fen"]) for r in rows
    ] == [
        (1_000_000, 800_000, 500_000, 500_000),
        (1_000_000, 800_000, 800_000, 800_000),
    ]
    quiet = await ProjectSnapshot.select().where(ProjectSnapshot.project == closing_event["quiet"])
    assert [r["pledged_fen"] for r in quiet] == [0, 0]


async def test_alerts_name_what_organizers_must_look_at(closing_event):
    alerts = await find_alerts(5, NOW, THRESHOLDS)
    assert [(a.kind, a.project_id) for a in alerts] == [("under_minimum", closing_event["quiet"])]

    old = await factories.pledge(5, closing_event["quiet"], 100_000)
    await Pledge.update({Pledge.created_at: NOW - dt.timedelta(days=31)}).where(Pledge.id == old)
    # Over-subscription can come from pledges recorded before a target was lowered.
    await Project.update({Project.target_fen: 700_000}).where(Project.id == closing_event["busy"])
    # A payment row that never reached the ledger: the figures no longer agree.
    await Payment.insert(
        Payment(
            id=uuid.uuid4(),
            pledge=closing_event["pledge"],
            provider="cash",
            amount_fen=1_000,
            status="succeeded",
            provider_reference="LOST-1",
        )
    )
    kinds = sorted((a.kind, a.project_id) for a in await find_alerts(5, NOW, THRESHOLDS))
    assert kinds == sorted(
        [
            ("oversubscribed", closing_event["busy"]),
            ("under_minimum", closing_event["quiet"]),
            ("unpaid", closing_event["quiet"]),
            ("ledger", closing_event["busy"]),
        ]
    )
    ledger = next(a for a in await find_alerts(5, NOW, THRESHOLDS) if a.kind == "ledger")
    assert "500000" in ledger.detail and "501000" in ledger.detail


async def test_alert_mails_go_to_organizers_once_a_day(closing_event):
    await create_user(
        UserDraft("orga", "a long password 1", StaffUser.Role.organizer, email="o@example.com")
    )
    assert await send_alerts(NOW, THRESHOLDS) == 1
    await send_alerts(NOW, THRESHOLDS)
    rows = await OutboxMessage.select().where(OutboxMessage.dedupe_key.like("alert:%"))
    assert len(rows) == 1


async def test_dashboard_charts_funding_over_time_for_financial_readers(closing_event, client):
    await take_snapshots(NOW - dt.timedelta(hours=2))
    await factories.bank_payment(closing_event["pledge"], 300_000)
    await take_snapshots(NOW)
    auditor = await create_user(UserDraft("audi", "a long password 2", StaffUser.Role.auditor))
    owner = await create_user(
        UserDraft(
            "own",
            "a long password 3",
            StaffUser.Role.project_owner,
            organization_id=await factories.organization(),
        )
    )
    headers = {"authorization": f"Bearer {await issue_token(auditor, 't')}"}
    page = await client.get("/console/dashboard?event=5", headers=headers)
    assert page.status_code == 200, page.text
    assert page.text.count("<polyline") == 2 + 2  # a line per project, and a sparkline each
    assert "¥8,000.00" in page.text and "80%" in page.text
    assert "临近截止仍未达最低额" in page.text
    forbidden = await client.get(
        "/console/dashboard", headers={"authorization": f"Bearer {await issue_token(owner, 't')}"}
    )
    assert forbidden.status_code == 403
    assert (await Event.count()) == 1
