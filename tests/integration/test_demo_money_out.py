"""The demo's 5th edition shows money out: every project's money went to its implementer
against its budget lines, with public invoices, in calendar order, and every project
reported from start to acceptance — so no disclosure is overdue."""

from __future__ import annotations

import datetime as dt

from service.clock import today
from service.demo.loader import load_demo
from service.disclosure.calendar import calendars
from service.disclosure.fund_use import fund_use
from service.events.tables import Event
from service.ledger.balances import event_fund_figures
from service.ledger.tables import LedgerTransaction
from service.projects.tables import Project


async def test_the_fifth_event_was_disbursed_and_reported(client):
    await load_demo()
    event = await Event.select(Event.id).where(Event.number == 5).first()
    ids = [
        r["id"]
        for r in await Project.select(Project.id)
        .where(Project.event == event["id"])
        .order_by(Project.id)
    ]
    figures = await event_fund_figures(event["id"])
    for project in ids:
        assert figures[project].disbursed == figures[project].received > 0
        assert figures[project].reallocated == figures[project].matched  # back to the fund
        assert figures[project].balance == 0
    uses = await fund_use(ids)
    for project in ids:
        use = uses[project]
        assert all(row["spent_fen"] == row["budget_fen"] for row in use["by_line"])
        assert all(any(e["public"] for e in d["evidence"]) for d in use["disbursements"])
        statuses = [r["status"] for r in use["timeline"]]
        assert statuses[0] == "started" and statuses[-2:] == ["completed", "accepted"]
        dates = [r["report_date"] for r in use["timeline"]]
        assert dates == sorted(dates)
    states = {c.state for c in (await calendars(ids, today())).values()}
    assert states == {"satisfied"}
    lifts = [
        p
        for p in ids
        if any(d.kind == "quarterly" for d in (await calendars([p], today()))[p].disclosures)
    ]
    assert lifts, "the lifts ran past six months and disclosed quarterly"

    moments = [
        r["occurred_at"]
        for r in await LedgerTransaction.select(LedgerTransaction.occurred_at)
        .where(LedgerTransaction.kind == "disbursement")
        .order_by(LedgerTransaction.seq)
    ]
    assert moments == sorted(moments)
    assert moments[0].date() >= dt.date(2017, 6, 1)

    page = await client.get(f"/projects/{ids[0]}", headers={"accept": "text/html"})
    assert "资金使用公示" in page.text and "卫生服务站开诊" in page.text
