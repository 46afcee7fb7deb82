"""Personal-data housekeeping: erase donors' contacts once their editions are closed and
RETENTION_DAYS have passed since the meeting."""

from __future__ import annotations

from tasks.celery_app import app
from tasks.runner import run_async


@app.task(name="tasks.privacy.erase_expired_contacts")
def erase_expired_contacts() -> int:
    from service.donors.privacy import erase_expired_contacts as erase

    async def run() -> int:
        return await erase()

    return run_async(run)
