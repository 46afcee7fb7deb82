"""Disclosure reminders, on the pledge reminders' schedule (see beat_schedule)."""

from __future__ import annotations

import datetime as dt

from service import clock
from service.disclosure.services import send_reminders
from tasks.celery_app import app
from tasks.runner import run_async


@app.task(name="tasks.disclosure.remind", autoretry_for=(OSError,), retry_backoff=True)
def remind(today: str | None = None) -> int:
    """Queue the disclosure reminders due today (`today` as YYYY-MM-DD for another day)."""
    day = dt.date.fromisoformat(today) if today else clock.today()
    return run_async(lambda: send_reminders(day))
