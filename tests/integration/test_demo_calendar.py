"""The demo's history is dated on the editions' own calendars and posted in that order:
claims on the meeting day, payments after their pledge, receipts after their payment,
funding pictures at the close of each day that money moved."""

from __future__ import annotations

import datetime as dt
import uuid

from service.audit.tables import AuditLog
from service.clock import SHANGHAI, today
from service.demo.data import EVENTS, event_seed
from service.demo.loader import demo_steps, load_demo, on_todays_calendar
from service.demo.money_out import payouts
from service.disbursements.tables import Disbursement
from service.ledger.services import verify_chain
from service.ledger.tables import LedgerEntry, LedgerTransaction
from service.payments.tables import Payment
from service.pledges.tables import Pledge
from service.progress.tables import ProgressReport
from service.projects.tables import Project
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
    # and so is the money paid out for the works (service/demo/money_out.py, loaded with it).
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


async def test_the_fifth_events_journal_and_audit_log_read_in_calendar_order(clean_db):
    """Money in and money out are loaded as one story: the sequence never goes back in time,
    a payout comes after the gifts that paid for it (in date and in sequence), and the
    5th edition's last gifts came in while its first works were being paid for."""
    await load_demo()
    rows = await LedgerEntry.select(
        LedgerEntry.amount_fen,
        LedgerEntry.account.type.as_alias("type"),
        LedgerEntry.account.project.as_alias("project"),
        LedgerEntry.transaction.seq.as_alias("seq"),
        LedgerEntry.transaction.kind.as_alias("kind"),
        LedgerEntry.transaction.occurred_at.as_alias("occurred_at"),
        LedgerEntry.transaction.event.number.as_alias("event_number"),
    ).order_by(LedgerEntry.transaction.seq)
    fifth = [row for row in rows if row["event_number"] == 5]
    moments = [row["occurred_at"] for row in fifth]
    assert moments == sorted(moments)
    everything = [row["occurred_at"] for row in rows]
    assert everything == sorted(everything)  # the 6th edition's story comes after it

    kinds = [(row["seq"], row["kind"]) for row in fifth]
    first_payout = min(seq for seq, kind in kinds if kind == "disbursement")
    last_gift = max(seq for seq, kind in kinds if kind == "payment_received")
    assert first_payout < last_gift, "the works began before the last instalments came in"

    # Walking the journal in sequence: what a project received (gifts and matches) before
    # a payout, in sequence and by its date, covers everything paid out so far.
    came_in: dict[int, list[tuple[int, dt.datetime, int]]] = {}
    paid_out: dict[int, int] = {}
    payouts = 0
    for row in fifth:
        project = row["project"]
        if project is None:
            continue
        if row["type"] == "disbursed":
            paid_out[project] = paid_out.get(project, 0) + row["amount_fen"]
            funded = sum(
                amount
                for seq, moment, amount in came_in.get(project, [])
                if seq < row["seq"] and moment < row["occurred_at"]
            )
            assert funded >= paid_out[project], (project, row["seq"])
            payouts += 1
        elif row["kind"] in ("payment_received", "match_allocated") and row["amount_fen"] < 0:
            # a gift settles the project's receivable; a match credits the project
            amount = -row["amount_fen"]
            came_in.setdefault(project, []).append((row["seq"], row["occurred_at"], amount))
    assert payouts > 23

    report = await verify_chain()
    assert report.ok, report.problems


async def test_the_audit_log_tells_the_fifth_event_in_the_order_it_happened(clean_db):
    steps: list[int] = []
    await load_demo(steps.append)
    assert sum(steps) == demo_steps()  # the progress bar ends full, payouts counted
    story: dict[tuple[str, str], dt.datetime] = {}
    for row in await Pledge.select(Pledge.id, Pledge.created_at):
        story["pledge.create", str(row["id"])] = row["created_at"]
    for row in await Payment.select(Payment.id, Payment.settled_at):
        story["payment.record", str(row["id"])] = row["settled_at"]
    for row in await Receipt.select(Receipt.id, Receipt.issued_at):
        story["receipt.issue", str(row["id"])] = row["issued_at"]
    for row in await Disbursement.select(
        Disbursement.id, Disbursement.created_at, Disbursement.approved_at, Disbursement.paid_at
    ):
        story["disbursement.request", str(row["id"])] = row["created_at"]
        story["disbursement.approve", str(row["id"])] = row["approved_at"]
        story["disbursement.pay", str(row["id"])] = row["paid_at"]
        assert row["created_at"] < row["approved_at"] < row["paid_at"]
    log = await AuditLog.select(AuditLog.action, AuditLog.object_id).order_by(AuditLog.id)
    moments = [
        story[row["action"], row["object_id"]]
        for row in log
        if (row["action"], row["object_id"]) in story
    ]
    assert len(moments) > 400
    assert moments == sorted(moments)
    first_pledge = min(story[key] for key in story if key[0] == "pledge.create")
    published = await Project.select(Project.published_at, Project.created_at).where(
        Project.event.number == 5
    )
    assert all(r["published_at"] == r["created_at"] < first_pledge for r in published)
    assert {r["published_at"].astimezone(SHANGHAI).date() for r in published} == {
        event_seed(5).pledge_opens
    }
    reports = await ProgressReport.select(ProgressReport.report_date, ProgressReport.created_at)
    assert reports
    assert all(r["created_at"].astimezone(SHANGHAI).date() == r["report_date"] for r in reports)

    logged = await AuditLog.count()
    steps.clear()
    assert await load_demo(steps.append) == []
    assert sum(steps) == demo_steps()
    assert await AuditLog.count() == logged


async def test_a_database_loaded_without_money_out_gets_it_afterwards(clean_db, monkeypatch):
    """A database whose 5th edition was loaded before money out was loaded with it gets its
    payouts and reports appended, still dated in the story."""

    async def nothing(*_args: object, **_kwargs: object) -> list:
        return []

    monkeypatch.setattr("service.demo.loader.plan_money_out", nothing)
    await load_demo()
    paid = await Disbursement.select(Disbursement.paid_at).where(Disbursement.status == "paid")
    assert len(paid) == payouts(event_seed(5))
    assert {row["paid_at"].astimezone(SHANGHAI).year for row in paid} <= {2017, 2018}
    assert await ProgressReport.count() > 23 * 3
    report = await verify_chain()
    assert report.ok, report.problems
