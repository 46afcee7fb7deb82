"""Pledge reminders: on schedule, capped, stopped once paid, never to who opted out;
and the organizers' digest. Days are passed in, so the test controls time."""

from __future__ import annotations

import asyncio
import datetime as dt

from service.auth.services import UserDraft, create_user
from service.auth.tables import StaffUser
from service.donors.tables import Donor
from service.events.tables import Event
from service.outbox.tables import OutboxMessage
from service.pledges.tables import Pledge
from service.reminders.services import ReminderPolicy, send_digest, send_due_reminders
from service.reminders.tables import PledgeReminder
from tests import factories

POLICY = ReminderPolicy(days_before=3, interval_days=7, max_reminders=3)
DUE = dt.date(2026, 12, 10)


def day(offset: int) -> dt.date:
    return DUE + dt.timedelta(days=offset)


async def reminder_mails() -> list[dict]:
    return (
        await OutboxMessage.select()
        .where(OutboxMessage.dedupe_key.like("reminder:%"))
        .order_by(OutboxMessage.created_at)
        .output(load_json=True)
    )


async def a_pledge(amount_fen: int = 100_000, due_on: dt.date = DUE):
    event = await Event.select(Event.id).where(Event.number == 5).first()
    event_id = event["id"] if event else (await factories.event(number=5)).id
    project = await factories.project(event_id, budget_fen=(50_000_000,))
    return await factories.pledge(5, project, amount_fen, due_on=due_on)


async def test_reminders_follow_the_schedule_and_stop_at_the_cap(clean_db):
    pledge_id = await a_pledge()
    sent = [await send_due_reminders(day(offset), POLICY) for offset in range(-6, 30)]
    days_sent = [offset for offset, n in zip(range(-6, 30), sent, strict=True) if n]
    assert days_sent == [-3, 4, 11]  # 3 days before, then every 7 days, at most 3
    rows = await PledgeReminder.select().where(PledgeReminder.pledge == pledge_id)
    assert [(r["sequence"], r["kind"]) for r in rows] == [
        (1, "due_soon"),
        (2, "overdue"),
        (3, "overdue"),
    ]
    mails = await reminder_mails()
    assert len(mails) == 3
    assert "即将到期" in mails[0]["payload"]["subject"]
    assert "已逾期" in mails[1]["payload"]["subject"]
    assert "¥1,000.00" in mails[0]["payload"]["text"] and "壹仟圆整" in mails[0]["payload"]["text"]


async def test_reminders_stop_once_paid_and_count_only_what_is_owed(clean_db):
    pledge_id = await a_pledge(100_000)
    await factories.bank_payment(pledge_id, 40_000)
    assert await send_due_reminders(day(-3), POLICY) == 1
    assert "¥600.00" in (await reminder_mails())[0]["payload"]["text"]
    await factories.bank_payment(pledge_id, 60_000)
    assert (await Pledge.select(Pledge.status).first())["status"] == "paid"
    assert [await send_due_reminders(day(d), POLICY) for d in (4, 11, 18)] == [0, 0, 0]
    assert len(await reminder_mails()) == 1


async def test_no_reminder_for_donors_who_opted_out(clean_db):
    pledge_id = await a_pledge()
    donor = (await Pledge.select(Pledge.donor).where(Pledge.id == pledge_id).first())["donor"]
    await Donor.update({Donor.reminders_opt_out: True}).where(Donor.id == donor)
    assert [await send_due_reminders(day(d), POLICY) for d in (-3, 4, 11)] == [0, 0, 0]
    assert await reminder_mails() == []


async def test_overlapping_runs_send_a_reminder_once(clean_db):
    await a_pledge()
    results = await asyncio.gather(*(send_due_reminders(day(-1), POLICY) for _ in range(4)))
    assert sum(results) == 1
    assert len(await reminder_mails()) == 1


async def test_organizers_get_one_digest_a_day_of_what_is_outstanding(clean_db):
    await create_user(
        UserDraft("orga", "a long password 1", StaffUser.Role.organizer, email="orga@example.com")
    )
    await create_user(
        UserDraft("audi", "a long password 2", StaffUser.Role.auditor, email="a@x.cn")
    )
    overdue = await a_pledge(100_000, due_on=day(-5))
    await a_pledge(250_000, due_on=day(5))
    await factories.bank_payment(overdue, 30_000)
    assert await send_digest(DUE) == 1
    assert await send_digest(DUE) == 1  # the same day again: deduplicated
    rows = (
        await OutboxMessage.select()
        .where(OutboxMessage.dedupe_key.like("digest:%"))
        .output(load_json=True)
    )
    assert len(rows) == 1
    payload = rows[0]["payload"]
    assert payload["to"] == "orga@example.com"
    assert "2 笔，共 ¥3,200.00" in payload["subject"]
    assert "逾期 1 笔，¥700.00" in payload["text"]
