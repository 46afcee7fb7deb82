"""Beat without Redis: the web process runs beat's schedule itself (embedded mode).

With REDIS_URL unset there is no worker and no beat, yet what beat does in production still
has to happen — the outbox relay, portfolio snapshots, reminders, lapsing, the ledger
check. `run_schedule` reads the one schedule (`tasks.celery_app`'s beat_schedule) and runs
each entry's async body on the web process's own event loop and database pool, on the same
timing as beat (intervals and crontabs alike). Interval entries also run once at start, so
a fresh demo shows a funding snapshot and a ledger check at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from celery.schedules import BaseSchedule, crontab, maybe_schedule

from service import clock
from service.disclosure.services import send_reminders as send_disclosure_reminders
from service.donors.privacy import erase_expired_contacts
from service.ops import services as ops
from service.outbox.relay_loop import in_process_relay
from service.payments.reconcile import settle_open_payments
from service.pledges.holds import release_unconfirmed
from service.pledges.lifecycle import lapse_overdue
from service.reminders.services import ReminderPolicy, send_digest, send_due_reminders
from service.settings import get_settings
from tasks.celery_app import app as celery_app
from tasks.outbox import flush_kick, relay_once
from tasks.tracking import snapshot_and_alert

log = logging.getLogger("minsheng.beat")
MAX_SLEEP_S = 30.0

Job = Callable[[], Awaitable[Any]]

JOBS: dict[str, Job] = {
    "tasks.outbox.relay": relay_once,
    "tasks.payments.reconcile_stripe": settle_open_payments,
    "tasks.pledges.lapse_overdue": lapse_overdue,
    "tasks.reminders.send_due": lambda: send_due_reminders(
        clock.today(), ReminderPolicy.from_settings(get_settings())
    ),
    "tasks.reminders.digest": lambda: send_digest(clock.today()),
    "tasks.tracking.snapshot": snapshot_and_alert,
    "tasks.ledger.check": ops.check_ledger,
    "tasks.ops.watch": ops.watch_outbox,
    "tasks.ops.reconciliation": ops.watch_reconciliation,
    "tasks.ops.prune_outbox": ops.prune_outbox,
    "tasks.pledges.release_unconfirmed": release_unconfirmed,
    "tasks.privacy.erase_expired_contacts": erase_expired_contacts,
    "tasks.disclosure.remind": lambda: send_disclosure_reminders(clock.today()),
}
"""Beat's task names and the async body each one runs (the Celery task runs the same)."""


@dataclass
class Entry:
    name: str
    task: str
    schedule: BaseSchedule
    last_run_at: dt.datetime

    def due(self) -> tuple[bool, float]:
        """Whether it is due now, and the seconds until it should be looked at again."""
        is_due, next_s = self.schedule.is_due(self.last_run_at)
        return is_due, next_s


def entries(
    beat_schedule: dict[str, dict[str, Any]] | None = None, *, only: set[str] | None = None
) -> list[Entry]:
    """beat's entries (all, or the tasks in `only`), interval ones due at once."""
    beat_schedule = beat_schedule if beat_schedule is not None else celery_app.conf.beat_schedule
    now = celery_app.now()
    result = []
    for name, spec in beat_schedule.items():
        if only is not None and spec["task"] not in only:
            continue
        schedule = maybe_schedule(spec["schedule"], app=celery_app)
        start = now if isinstance(schedule, crontab) else now - schedule.run_every
        result.append(Entry(name, spec["task"], schedule, start))
    return result


async def run_due(schedule: list[Entry]) -> tuple[list[str], float]:
    """Run every entry that is due, one after another; the names run and the seconds
    until the next look. A failing job is logged and tried again at its next time."""
    ran: list[str] = []
    wait = MAX_SLEEP_S
    for entry in schedule:
        is_due, next_s = entry.due()
        if is_due:
            entry.last_run_at = celery_app.now()
            job = JOBS.get(entry.task)
            try:
                if job is None:
                    raise LookupError(f"{entry.task} has no embedded job (tasks/embedded.py)")
                await job()
            except Exception:
                log.exception("embedded beat: %s failed", entry.name)
            ran.append(entry.name)
            _, next_s = entry.due()
        wait = min(wait, max(next_s, 0.05))
    return ran, wait


async def run_schedule(only: set[str] | None = None) -> None:
    """Run beat's schedule until cancelled."""
    schedule = entries(only=only)
    while True:
        _, wait = await run_due(schedule)
        await asyncio.sleep(wait)


@contextlib.asynccontextmanager
async def embedded_beat(app: object) -> AsyncIterator[None]:
    """App lifespan (wired by service.app): with tasks in process and EMBEDDED_BEAT on,
    beat's schedule runs on this process's event loop while it serves; otherwise only the
    periodic outbox relay of service/outbox/relay_loop.py (when OUTBOX_KICK is on)."""
    settings = get_settings()
    if not (settings.tasks_in_process and settings.embedded_beat):
        async with in_process_relay(app):
            yield
        return
    task = asyncio.create_task(run_schedule())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await flush_kick()
