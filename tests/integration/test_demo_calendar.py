"""The demo's history is dated on the editions' own calendars and posted in that order:
claims on the meeting day, payments after their pledge, receipts after their payment,
funding pictures at the close of each day that money moved."""

from __future__ import annotations

import datetime as dt
import uuid

from service.clock import SHANGHAI, today
from service.demo.data import EVENTS, event_seed
from service.demo.loader import load_demo, on_todays_calendar
from service.ledger.tables import LedgerTransaction
from service.payments.tables import Payment
from service.pledges.tables import Pledge
from service.receipts.tables import Receipt
from service.tracking.tables import ProjectSnapshot


def test_every_seed_payment_comes_on_or_after_its_pledge_day():
    for event in EVENTS:
        for pledge in event.pledges:
            assert event.pledge_opens <= pledge.pledged_on, pledge.key
            for paid in pledge.payments:
                assert paid.paid_on >= pledge.pledged_on, (pledge.key, paid.reference)


async def test_the_journal_never_dates_a_payment_before_its_pledge(clean_db):
    await load_demo()
    pledges = {
        row["id"]: row for row in await Pledge.select(Pledge.id, Pledge.created_at, Pledge.channel)
    }
    payments = {
        row["id"]: row["pledge"]
        for row in await Payment.select(Payment.id, Payment.pledge, Payment.settled_at)
    }
    journal = await LedgerTransaction.select(
        LedgerTransaction.seq,
        LedgerTransaction.key,
        LedgerTransaction.kind,
        LedgerTransaction.occurred_at,
        LedgerTransaction.event.number.as_alias("event_number"),
    ).order_by(LedgerTransaction.seq)
    assert journal
    for row in journal:
        source, _, rest = row["key"].partition(":")  # e.g. payment:<id>:received
        source_id = rest.partition(":")[0]
        if source == "pledge":
            pledged_at = pledges[uuid.UUID(source_id)]["created_at"]
            assert row["occurred_at"] == pledged_at
        elif source == "payment":
            pledge = pledges[payments[uuid.UUID(source_id)]]
            assert row["occurred_at"] > pledge["created_at"], row["key"]
    # The 5th edition's whole journal (pool funding, matches and the money paid out for the
    # works included) is dated in its own story, 2017 and the building year after, never the
    # day the demo was loaded; and its sequence reads in calendar order.
    fifth = [row for row in journal if row["event_number"] == 5]
    moments = [row["occurred_at"] for row in fifth]
    assert {m.astimezone(SHANGHAI).year for m in moments} <= {2017, 2018}, {
        (r["kind"], r["occurred_at"]) for r in fifth if r["occurred_at"].year > 2018
    }
    # Money in (pledges, payments, the pool and its matches) is posted in calendar order,
    # and so is the money paid out for the works (service/demo/money_out.py, loaded after).
    money_in = ("pledge_made", "payment_received", "pool_funded", "match_allocated")
    for flow in (
        [r["occurred_at"] for r in fifth if r["kind"] in money_in],
        [r["occurred_at"] for r in fifth if r["kind"] not in money_in],
    ):
        assert flow == sorted(flow)
    assert len(fifth) > 23

    meeting_days = {on_todays_calendar(seed, today()).held_on for seed in EVENTS}
    claims = [p for p in pledges.values() if p["channel"] == "on_stage"]
    assert claims
    assert {p["created_at"].astimezone(SHANGHAI).date() for p in claims} <= meeting_days
    assert max(p["created_at"] for p in pledges.values()) < dt.datetime.now(dt.UTC)


def test_the_open_event_is_moved_onto_todays_calendar_and_the_closed_one_is_not():
    day = dt.date(2026, 11, 30)
    assert on_todays_calendar(event_seed(5), day) == event_seed(5)
    sixth, moved = event_seed(6), on_todays_calendar(event_seed(6), day)
    latest = max(
        [p.pledged_on for p in moved.pledges]
        + [paid.paid_on for p in moved.pledges for paid in p.payments]
    )
    assert latest == day - dt.timedelta(days=1)
    shift = moved.held_on - sixth.held_on
    assert moved.pledge_opens - sixth.pledge_opens == shift
    for before, after in zip(sixth.pledges, moved.pledges, strict=True):
        assert after.pledged_on - before.pledged_on == shift
        assert (after.key, after.amount_fen) == (before.key, before.amount_fen)


async def test_receipts_follow_their_payments_and_number_in_date_order(clean_db):
    await load_demo()
    rows = await Receipt.select(
        Receipt.number,
        Receipt.issued_at,
        Receipt.event.number.as_alias("event_number"),
        Receipt.payment.settled_at.as_alias("settled_at"),
    ).where(Receipt.number > 0)
    assert rows
    for row in rows:
        assert row["settled_at"] < row["issued_at"] < row["settled_at"] + dt.timedelta(days=2)
    fifth = sorted((r for r in rows if r["event_number"] == 5), key=lambda r: r["number"])
    assert [r["issued_at"] for r in fifth] == sorted(r["issued_at"] for r in fifth)


async def test_snapshots_picture_each_day_money_moved(clean_db):
    await load_demo()
    rows = await ProjectSnapshot.select(
        ProjectSnapshot.taken_at,
        ProjectSnapshot.received_fen,
        ProjectSnapshot.project.event.number.as_alias("event_number"),
    ).where(ProjectSnapshot.project.event.number == 5)
    days = sorted({r["taken_at"].astimezone(SHANGHAI).date() for r in rows})
    fifth = event_seed(5)
    assert days[0] == min(p.pledged_on for p in fifth.pledges)
    assert days[-1] == max(paid.paid_on for p in fifth.pledges for paid in p.payments)
    first = sum(
        r["received_fen"] for r in rows if r["taken_at"] == min(x["taken_at"] for x in rows)
    )
    last = sum(r["received_fen"] for r in rows if r["taken_at"] == max(x["taken_at"] for x in rows))
    assert first < last == sum(p.paid_fen for p in fifth.pledges if p.project)


async def test_project_pages_show_funding_over_time_from_the_first_start(client):
    await load_demo()
    project = (await client.get("/api/v1/events/5/projects")).json()[0]
    page = (await client.get(f"/projects/{project['id']}")).text
    chart = page[page.index('id="funding-over-time"') :]
    assert "<polyline" in chart[: chart.index("</figure>")]
    assert "2017年" in chart[: chart.index("</figure>")]  # its first picture, in 2017
