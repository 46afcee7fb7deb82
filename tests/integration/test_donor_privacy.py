"""Donors' personal data: erasure on request, contacts erased after the retention period
of closed editions, and staff views of contacts written to the audit log."""

from __future__ import annotations

import datetime as dt

from service.audit.tables import AuditLog
from service.donors.privacy import erase_expired_contacts
from service.donors.tables import Donor
from service.events.tables import Event
from service.ledger.balances import project_fund_figures
from service.ledger.services import verify_chain
from service.pledges.tables import Pledge
from service.settings import get_settings
from tests import factories, staff
from tests.pledge_helpers import pledge_body


async def test_an_erased_donor_keeps_the_money_trail_as_ai_xin_ren_shi(client):
    event = await factories.event()
    project = await factories.project(event.id)
    created = await client.post(
        "/api/v1/pledges",
        json={
            **pledge_body(
                event.number, project, 30_000, display_name="王秘密", phone="13800000000"
            ),
            "message": "我住在望江路1号",
        },
    )
    pledge_id = created.json()["id"]
    donor_id = (await Pledge.select(Pledge.donor).first())["donor"]
    await factories.bank_payment(pledge_id, 30_000)
    organizer = await staff.make("organizer")
    no_reason = await client.post(
        f"/api/v1/donors/{donor_id}/erase", json={"reason": " "}, headers=organizer.headers
    )
    assert no_reason.status_code == 400
    erased = await client.post(
        f"/api/v1/donors/{donor_id}/erase",
        json={"reason": "the donor asked by phone"},
        headers=organizer.headers,
    )
    assert erased.status_code == 204, erased.text
    donor = await Donor.select().where(Donor.id == donor_id).first()
    assert donor["display_name"] == donor["receipt_title"] == "爱心人士"
    assert donor["email"] is None and donor["phone"] is None and donor["erased_at"]
    assert (await Pledge.select(Pledge.message).first())["message"] == ""
    pledge = (await client.get(f"/api/v1/pledges/{pledge_id}")).json()
    assert pledge["donor_name"] == "爱心人士" and pledge["status"] == "paid"
    assert (await project_fund_figures(project)).received == 30_000
    assert (await verify_chain()).ok
    assert await AuditLog.exists().where(AuditLog.action == "donor.erase")
    auditor = await staff.make("auditor")
    refused = await client.post(
        f"/api/v1/donors/{donor_id}/erase", json={"reason": "x"}, headers=auditor.headers
    )
    assert refused.status_code == 403


async def test_contacts_of_closed_events_are_erased_after_the_retention_period(clean_db):
    days = get_settings().retention_days
    old = await factories.event()
    current = await factories.event()
    held = dt.date(2026, 1, 10)
    await Event.update({Event.held_on: held}).where(Event.id == old.id)
    old_project = await factories.project(old.id)
    new_project = await factories.project(current.id)
    await factories.pledge(old.number, old_project, 10_000)  # donor only in the old edition
    both = await factories.pledge(old.number, old_project, 10_000)
    both_donor = (await Pledge.select(Pledge.donor).where(Pledge.id == both).first())["donor"]
    from service.audit.services import Actor
    from service.pledges.services import PledgeDraft, create_pledge

    await create_pledge(
        PledgeDraft(current.number, new_project, None, 10_000, donor_id=both_donor),
        Actor("test"),
    )
    await Event.update({Event.status: "closed"}).where(Event.id == old.id)
    assert await erase_expired_contacts(held + dt.timedelta(days=days - 1)) == 0
    assert await erase_expired_contacts(held + dt.timedelta(days=days + 1)) == 1
    rows = {r["id"]: r for r in await Donor.select(Donor.id, Donor.email, Donor.display_name)}
    assert rows[both_donor]["email"] is not None  # still a donor of an open edition
    gone = [r for key, r in rows.items() if key != both_donor]
    assert gone[0]["email"] is None and gone[0]["display_name"]  # the name stays
    assert await erase_expired_contacts(held + dt.timedelta(days=days + 1)) == 0


async def test_staff_views_of_donor_contacts_are_logged(client):
    event = await factories.event()
    project = await factories.project(event.id)
    pledge_id = await factories.pledge(event.number, project, 10_000)
    await Pledge.update({Pledge.due_on: dt.date(2026, 1, 1)}).where(Pledge.id == pledge_id)
    auditor = await staff.make("auditor")
    response = await client.get(
        f"/api/v1/events/{event.number}/pledge-tracking", headers=auditor.headers
    )
    assert response.status_code == 200
    assert response.json()["overdue"][0]["contact"]
    views = await AuditLog.select().where(AuditLog.action == "donor.contacts_viewed")
    assert len(views) == 1 and views[0]["actor"] == auditor.id
    organizer = await staff.make("organizer")
    search = await client.get(
        "/console/claims/donors", params={"q": "张"}, headers=organizer.headers
    )
    assert search.status_code == 200 and search.json()
    assert await AuditLog.count().where(AuditLog.action == "donor.contacts_viewed") == 2
