"""Without Redis the web process runs beat's schedule itself (tasks/embedded.py): funding
snapshots and the ledger check happen at start and again on schedule, with no broker."""

from __future__ import annotations

import asyncio
import dataclasses

from service.ledger.tables import LedgerCheck
from service.settings import get_settings
from service.tracking.tables import ProjectSnapshot
from tasks import embedded
from tasks.celery_app import app as celery_app
from tests import factories


def test_every_beat_entry_has_an_embedded_job():
    tasks = {spec["task"] for spec in celery_app.conf.beat_schedule.values()}
    assert tasks <= set(embedded.JOBS), tasks - set(embedded.JOBS)


async def _eventually(count, expected: int, seconds: float = 30) -> int:
    for _ in range(int(seconds / 0.1)):
        found = await count()
        if found >= expected:
            return found
        await asyncio.sleep(0.1)
    return await count()


async def test_the_served_app_snapshots_and_checks_the_ledger_without_redis(clean_db, monkeypatch):
    settings = dataclasses.replace(get_settings(), embedded_beat=True)
    assert settings.redis_url is None and settings.tasks_in_process
    monkeypatch.setattr(embedded, "get_settings", lambda: settings)
    event = await factories.event()
    project = await factories.project(event.id)
    await factories.bank_payment(await factories.pledge(event.number, project, 300_000), 300_000)

    async with embedded.embedded_beat(None):
        snapshots = await _eventually(ProjectSnapshot.count, 1)
        checks = await _eventually(LedgerCheck.count, 1)
    assert snapshots == 1 and checks == 1  # interval entries run once at start
    row = await ProjectSnapshot.select().first()
    assert (row["project"], row["received_fen"]) == (project, 300_000)
    check = await LedgerCheck.select().first()
    assert check["ok"] is True, check["findings"]


async def test_interval_entries_run_again_on_their_schedule(clean_db):
    event = await factories.event()
    await factories.project(event.id)
    # A period of 2 s, not less: the snapshot job itself takes a while on a busy machine,
    # and the entry must not be due again by the time the second look comes.
    schedule = embedded.entries({"snapshots": {"task": "tasks.tracking.snapshot", "schedule": 2}})
    ran, wait = await embedded.run_due(schedule)
    assert ran == ["snapshots"] and 0 < wait <= 2
    ran, _ = await embedded.run_due(schedule)
    assert ran == []  # not due yet
    await asyncio.sleep(wait + 0.05)
    ran, _ = await embedded.run_due(schedule)
    assert ran == ["snapshots"]
    assert await ProjectSnapshot.count() == 2


async def test_a_daily_entry_waits_for_its_hour(clean_db):
    from celery.schedules import crontab

    now = celery_app.now().astimezone(celery_app.timezone)
    hour = (now.hour + 12) % 24
    schedule = embedded.entries(
        {"digest": {"task": "tasks.reminders.digest", "schedule": crontab(minute=0, hour=hour)}}
    )
    ran, wait = await embedded.run_due(schedule)
    assert ran == [] and wait <= embedded.MAX_SLEEP_S
