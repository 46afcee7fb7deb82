"""The transparency report: requested by an organizer, built by the outbox relay (a
Celery task), stored and listed publicly as a page and a PDF with the CJK font embedded;
rebuilt at the same ledger head it gives the same figures."""

from __future__ import annotations

import re

from service.ledger.balances import event_fund_figures, event_total
from service.reports.figures import digest, report_figures
from service.reports.tables import TransparencyReport
from tasks import outbox
from tests import factories, staff
from tests.ledger_world import build_world


async def test_report_is_built_listed_and_reproducible(client):
    world = await build_world()
    organizer = await staff.make("organizer", username="reporter")
    asked = await client.post(
        f"/api/v1/console/events/{world.event_number}/transparency-reports",
        headers=organizer.headers,
    )
    assert asked.status_code == 202, asked.text
    report_id = asked.json()["id"]
    listed = (await client.get("/api/v1/transparency-reports")).json()
    assert [r["status"] for r in listed] == ["pending"]

    await outbox.relay_once()
    (row,) = await TransparencyReport.select()
    assert row["status"] == "ready", row["error"]
    figures = (await client.get(f"/api/v1/transparency-reports/{report_id}")).json()
    assert figures["ledger_head"] == {"seq": row["head_seq"], "hash": row["head_hash"]}
    totals = event_total(await event_fund_figures(world.event_id))
    assert figures["totals"]["raised"] == totals.received
    assert figures["totals"]["disbursed"] == totals.disbursed == 250_000
    assert figures["totals"]["balance"] == totals.balance
    assert figures["matching_pools"][0]["allocated"] > 0
    assert {p["id"] for p in figures["projects"]} == set(world.projects)

    # More money moves; the report at the old head still has the old figures.
    pledge = await factories.pledge(world.event_number, world.projects[1], 10_000)
    await factories.bank_payment(pledge, 10_000)
    again = await report_figures(world.event_id, world.event_number, row["head_seq"])
    assert digest(again) == row["figures_sha256"]
    later = await report_figures(world.event_id, world.event_number, row["head_seq"] + 2)
    assert later["totals"]["raised"] == figures["totals"]["raised"] + 10_000

    page = await client.get(f"/transparency/{report_id}", headers={"accept": "text/html"})
    assert page.status_code == 200 and row["head_hash"] in page.text
    index = await client.get("/transparency", headers={"accept": "text/html"})
    assert f"/transparency/{report_id}/pdf" in index.text
    pdf = await client.get(f"/transparency/{report_id}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert b"/FontFile2" in pdf.content  # the TrueType CJK font is embedded (a subset)
    assert re.search(rb"/BaseFont /[A-Z]{6}\+", pdf.content)
