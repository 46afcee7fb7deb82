"""Pledge housekeeping: lapse pledges left unpaid past their due date plus grace."""

from __future__ import annotations

from service.pledges.lifecycle import lapse_overdue as lapse_overdue_pledges
from tasks.celery_app import app
from tasks.runner import run_async


@app.task(name="tasks.pledges.lapse_overdue")
def lapse_overdue() -> int:
    async def run() -> int:
        return len(await lapse_overdue_pledges())

    return run_async(run)


@app.task(name="tasks.pledges.release_unconfirmed")
def release_unconfirmed() -> int:
    """Lapse online pledges whose donor did not confirm within ONLINE_HOLD_HOURS."""
    from service.pledges.holds import release_unconfirmed as release

    async def run() -> int:
        return len(await release())

    return run_async(run)
