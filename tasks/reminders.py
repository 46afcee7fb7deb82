"""Scheduled pledge reminders and the organizers' daily digest (see beat_schedule)."""

from __future__ import annotations

import datetime as dt

from service import clock
from service.reminders.services import ReminderPolicy, send_digest, send_due_reminders
from service.settings import get_settings
from tasks.celery_app import app
from tasks.runner import run_async


def _day(today: str | None) -> dt.date:
    return dt.date.fromisoformat(today) if today else clock.today()


@app.task(name="tasks.reminders.send_due", autoretry_for=(OSError,), retry_backoff=True)
def send_due(today: str | None = None) -> int:
    """Queue today's reminders (`today` as YYYY-MM-DD to run for another day)."""
    policy = ReminderPolicy.from_settings(get_settings())
    return run_async(lambda: send_due_reminders(_day(today), policy))


@app.task(name="tasks.reminders.digest", autoretry_for=(OSError,), retry_backoff=True)
def digest(today: str | None = None) -> int:
    return run_async(lambda: send_digest(_day(today)))
