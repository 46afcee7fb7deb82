"""Operations tasks on beat: alerts (stuck outbox rows, reconciliation differences) and
outbox retention. The ledger check's alert is raised by tasks.ledger.check itself."""

from __future__ import annotations

from service.ops import services
from tasks.celery_app import app
from tasks.runner import run_async


@app.task(name="tasks.ops.watch")
def watch() -> list[str]:
    """Open (and mail) an alert per topic whose rows keep failing; resolve cleared ones."""
    return run_async(services.watch_outbox)


@app.task(name="tasks.ops.reconciliation")
def reconciliation() -> list[str]:
    """Compare Stripe, payment rows and the ledger; each differing payment is an incident."""
    return run_async(services.watch_reconciliation)


@app.task(name="tasks.ops.prune_outbox")
def prune_outbox() -> int:
    """Delete delivered outbox rows older than OUTBOX_RETENTION_DAYS."""
    return run_async(services.prune_outbox)
