"""The periodic ledger check: hash chain and balances against the source records."""

from __future__ import annotations

from service.ledger.checks import run_ledger_check
from tasks.celery_app import app
from tasks.runner import run_async


@app.task(name="tasks.ledger.check")
def check() -> dict[str, object]:
    """Run the check; findings become a LedgerCheck row and an "alert.ledger" message."""

    async def run() -> dict[str, object]:
        result = await run_ledger_check()
        return {"ok": result.ok, "head_hash": result.head_hash, "findings": result.findings}

    return run_async(run)
