"""Periodic Stripe reconciliation: settle payments whose webhooks never came."""

from __future__ import annotations

import asyncio
from typing import Any

from service.db import close_pool, start_pool
from service.payments.reconcile import settle_open_payments
from tasks.celery_app import app


@app.task(name="tasks.payments.reconcile_stripe")
def reconcile_stripe() -> dict[str, Any]:
    """Re-read every open Stripe payment, settle it, capture authorizations that are due."""

    async def run() -> dict[str, Any]:
        opened = await start_pool()
        try:
            summary = await settle_open_payments()
        finally:
            if opened:
                await close_pool()
        return {
            "checked": summary.checked,
            "changed": summary.changed,
            "captured": summary.captured,
            "errors": summary.errors,
        }

    return asyncio.run(run())
