"""The outbox relay: hands rows written in money transactions to their handlers."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from service import mail
from service.db import close_pool, start_pool
from service.outbox.services import pending
from service.outbox.tables import OutboxMessage
from tasks.celery_app import app

log = logging.getLogger("minsheng.outbox")

Handler = Callable[[dict[str, Any]], Awaitable[None]]


async def send_mail(payload: dict[str, Any]) -> None:
    # A stable Message-ID from the payload lets a receiving system drop a duplicate if
    # the relay dies between sending and marking the row delivered.
    await asyncio.to_thread(mail.send, mail.mail_from_payload(payload))


async def log_ledger_alert(payload: dict[str, Any]) -> None:
    # The LedgerCheck row keeps the findings; this puts them in the operators' log.
    logging.getLogger("minsheng.ledger").error(
        "LEDGER ALERT check %s at head %s: %s finding(s): %s",
        payload.get("check_id"),
        payload.get("head_hash"),
        payload.get("count"),
        "; ".join(payload.get("findings", [])[:10]),
    )


HANDLERS: dict[str, Handler] = {"mail.send": send_mail, "alert.ledger": log_ledger_alert}
"""Topic → handler. Topics without a handler stay pending until one is registered."""


async def relay_once(limit: int = 100) -> int:
    """Deliver what is due; a failing handler leaves its row pending with the error."""
    delivered = 0
    for message in await pending(limit):
        handler = HANDLERS.get(message["topic"])
        if handler is None:
            continue
        try:
            await handler(message["payload"])
        except Exception as exc:  # recorded on the row and retried on the next run
            log.warning("outbox %s %s failed: %s", message["topic"], message["id"], exc)
            await OutboxMessage.update(
                {
                    OutboxMessage.attempts: OutboxMessage.attempts + 1,
                    OutboxMessage.last_error: str(exc)[:2000],
                }
            ).where(OutboxMessage.id == message["id"])
            continue
        await OutboxMessage.update(
            {
                OutboxMessage.delivered_at: dt.datetime.now(dt.UTC),
                OutboxMessage.attempts: OutboxMessage.attempts + 1,
            }
        ).where(OutboxMessage.id == message["id"])
        delivered += 1
    return delivered


@app.task(name="tasks.outbox.relay")
def relay() -> int:
    async def run() -> int:
        await start_pool()
        try:
            return await relay_once()
        finally:
            await close_pool()

    return asyncio.run(run())
