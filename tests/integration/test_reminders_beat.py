"""Celery beat fires the reminder schedule (every second here, by REMINDERS_EVERY_S)
and a real worker mails them to an aiosmtpd sink: one per pledge, none to who opted out."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import redis

from service import clock
from service.donors.tables import Donor
from service.pledges.tables import Pledge
from service.reminders.tables import PledgeReminder
from tests import factories
from tests.mailsink import MailSink
from tests.workers import Proc, worker

SENT = "Sending due task pledge-reminders"


@pytest.fixture
def broker(redis_url):
    url = redis_url.rsplit("/", 1)[0] + "/8"
    redis.Redis.from_url(url).flushdb()
    return url


async def test_beat_fires_reminders_on_schedule(clean_db, broker, tmp_path):
    event = await factories.event(number=5)
    project = await factories.project(event.id, budget_fen=(50_000_000,))
    tomorrow = clock.today() + dt.timedelta(days=1)
    reminded = await factories.pledge(5, project, 80_000, due_on=tomorrow)
    opted_out = await factories.pledge(5, project, 90_000, due_on=tomorrow)
    paid = await factories.pledge(5, project, 70_000, due_on=tomorrow)
    await factories.bank_payment(paid, 70_000)
    donor = (await Pledge.select(Pledge.donor).where(Pledge.id == opted_out).first())["donor"]
    await Donor.update({Donor.reminders_opt_out: True}).where(Donor.id == donor)

    sink = MailSink().start()
    env = {
        "REDIS_URL": broker,
        "SMTP_URL": sink.url,
        "OUTBOX_KICK": "1",
        "REMINDERS_EVERY_S": "1",
        "MINSHENG_DATA_DIR": str(tmp_path),
    }
    proc = worker(env, "--pool", "solo")
    beat = Proc("beat", env)
    try:
        await asyncio.to_thread(beat.wait_for, "tasks.reminders.send_due")
        # The paid pledge's receipt and the one reminder (2 mails).
        await asyncio.to_thread(sink.wait_for, 2)
        # Several more runs of the schedule (nothing new is due): at least 3 s, and until
        # beat has sent two more, however slowly a busy machine lets it run.
        sent = beat.output().count(SENT)
        await asyncio.sleep(3)
        for _ in range(300):  # at most another minute
            if beat.output().count(SENT) >= sent + 2:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)  # the worker runs the last one sent
    finally:
        beat_output = beat.stop()
        output = proc.stop()
        sink.stop()
    assert beat_output.count(SENT) >= 3, beat_output
    reminder_mails = [m for m in sink.messages if "到期" in m["Subject"]]
    assert len(reminder_mails) == 1 and len(sink.messages) == 2, output
    assert "¥800.00" in reminder_mails[0].get_body(("plain",)).get_content()
    rows = await PledgeReminder.select(PledgeReminder.pledge)
    assert [r["pledge"] for r in rows] == [reminded]
