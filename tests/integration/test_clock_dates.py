"""Due dates and the lapse cutoff follow Hangzhou's date: at 23:30 UTC it is already
07:30 the next morning there."""

from __future__ import annotations

import datetime as dt

from service import clock
from service.pledges.lifecycle import lapse_overdue
from service.pledges.tables import Pledge
from service.settings import get_settings
from tests import factories

LATE_EVENING_UTC = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)
HANGZHOU_TODAY = dt.date(2026, 12, 1)


async def test_a_pledge_made_at_23_30_utc_is_due_from_hangzhou_s_date(clean_db, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: LATE_EVENING_UTC)
    event = await factories.event()
    project = await factories.project(event.id)
    pledge = await factories.pledge(event.number, project, 10_000)
    row = await Pledge.select(Pledge.due_on).where(Pledge.id == pledge).first()
    due_days = get_settings().pledge_due_days
    assert row["due_on"] == HANGZHOU_TODAY + dt.timedelta(days=due_days)


async def test_the_lapse_cutoff_is_hangzhou_s_date_less_the_grace(clean_db, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: LATE_EVENING_UTC)
    grace = get_settings().pledge_grace_days
    event = await factories.event()
    project = await factories.project(event.id)
    # Due the day before Hangzhou's cutoff: lapses today there (by UTC's date it would not).
    late = await factories.pledge(
        event.number, project, 10_000, due_on=HANGZHOU_TODAY - dt.timedelta(days=grace + 1)
    )
    # Due on the cutoff itself: not yet.
    on_time = await factories.pledge(
        event.number, project, 10_000, due_on=HANGZHOU_TODAY - dt.timedelta(days=grace)
    )
    assert await lapse_overdue() == [late]
    statuses = {
        r["id"]: r["status"]
        for r in await Pledge.select(Pledge.id, Pledge.status).where(
            Pledge.id.is_in([late, on_time])
        )
    }
    assert statuses == {late: "lapsed", on_time: "pledged"}
