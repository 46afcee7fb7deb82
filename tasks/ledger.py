"""The periodic ledger check: hash chain and balances against the source records."""

from __future__ import annotations

import asyncio

from service.db import close_pool, start_pool
from service.ledger.checks import run_ledger_check
from tasks.celery_app import app


@app.task(name="tasks.ledger.check")
def check() -> dict[str, object]:
    """Run the check; findings become a LedgerCheck row and an "alert.ledger" message."""

    async def run() -> dict[str, object]:
        opened = await start_pool()
        try:
            result = await run_ledger_check()
        finally:
            if opened:
                await close_pool()
        return {"ok": result.ok, "head_hash": result.head_hash, "findings": result.findings}

    return asyncio.run(run())
