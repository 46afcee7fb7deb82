"""Periodic portfolio snapshots and organizer alerts (see beat_schedule)."""

from __future__ import annotations

import datetime as dt

from service.settings import get_settings
from service.tracking.services import Thresholds, send_alerts, take_snapshots
from tasks.celery_app import app
from tasks.runner import run_async


async def snapshot_and_alert() -> int:
    """Picture every project's funding, then mail today's alerts (once a day each)."""
    thresholds = Thresholds.from_settings(get_settings())
    now = dt.datetime.now(dt.UTC)
    taken = await take_snapshots(now)
    await send_alerts(now, thresholds)
    return taken


@app.task(name="tasks.tracking.snapshot", autoretry_for=(OSError,), retry_backoff=True)
def snapshot() -> int:
    """Picture every project's funding, then mail today's alerts (once a day each)."""
    return run_async(snapshot_and_alert)
