"""Periodic Stripe reconciliation: settle payments whose webhooks never came."""

from __future__ import annotations

from typing import Any

from service.payments.reconcile import settle_open_payments
from tasks.celery_app import app
from tasks.runner import run_async


@app.task(name="tasks.payments.reconcile_stripe")
def reconcile_stripe() -> dict[str, Any]:
    """Re-read every open Stripe payment, settle it, capture authorizations that are due."""

    async def run() -> dict[str, Any]:
        summary = await settle_open_payments()
        return {
            "checked": summary.checked,
            "changed": summary.changed,
            "captured": summary.captured,
            "errors": summary.errors,
        }

    return run_async(run)
