"""Personal-data housekeeping: erase donors' contacts once their editions are closed and
RETENTION_DAYS have passed since the meeting."""

from __future__ import annotations

import asyncio

from service.db import close_pool, start_pool
from tasks.celery_app import app


@app.task(name="tasks.privacy.erase_expired_contacts")
def erase_expired_contacts() -> int:
    from service.donors.privacy import erase_expired_contacts as erase

    async def run() -> int:
        opened = await start_pool()
        try:
            return await erase()
        finally:
            if opened:
                await close_pool()

    return asyncio.run(run())
