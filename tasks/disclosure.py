"""Disclosure reminders (on the pledge reminders' schedule, see beat_schedule) and the
transparency reports (built by the outbox relay when requested)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from service import clock
from service.disclosure.services import send_reminders
from service.reports.services import TOPIC, build_report
from tasks.celery_app import app
from tasks.outbox import register
from tasks.runner import run_async


@app.task(name="tasks.disclosure.remind", autoretry_for=(OSError,), retry_backoff=True)
def remind(today: str | None = None) -> int:
    """Queue the disclosure reminders due today (`today` as YYYY-MM-DD for another day)."""
    day = dt.date.fromisoformat(today) if today else clock.today()
    return run_async(lambda: send_reminders(day))


@register(TOPIC)
async def on_report_requested(payload: dict[str, Any]) -> None:
    await build_report(uuid.UUID(payload["report_id"]))


@app.task(name="tasks.disclosure.transparency_report", autoretry_for=(OSError,), retry_backoff=True)
def transparency_report(report_id: str) -> None:
    """Build one transparency report (the outbox relay does this when one is requested)."""
    run_async(lambda: build_report(uuid.UUID(report_id)))
