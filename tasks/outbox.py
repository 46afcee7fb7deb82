"""The outbox relay: hands rows written in money transactions to their handlers.

Delivery is at least once and prompt: every transaction that enqueues kicks the relay
after commit (a task on the broker, or in process without REDIS_URL); beat runs it every
10 s as well, so a broker or mail outage only delays delivery. Handlers are idempotent.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from typing import Any

import asyncpg
import kombu.exceptions
import redis.exceptions
from celery import Celery
from celery.signals import worker_ready

from service import mail
from service.outbox import relay_hooks
from service.outbox.services import claim, mark_delivered, mark_failed
from service.settings import get_settings
from tasks.celery_app import app
from tasks.runner import run_async

log = logging.getLogger("minsheng.outbox")

Handler = Callable[[dict[str, Any]], Awaitable[None]]
RELAY_TASK = "tasks.outbox.relay"
BATCH = 20
MAX_BATCHES = 50
BUDGET_S = 120
"""A relay claims no new batch after this long, well inside the task's time limits;
the next run (kick or beat) carries on."""

LEASE_USE = 0.5
"""A relay starts no further row of a claimed batch once this share of the claim's lease
(OUTBOX_LEASE_S) has passed, so that a row is not still being handled when its lease ends
and another relay takes it too (one mail sent twice). The rows left over are due again
when their lease ends."""

_relaying: ContextVar[bool] = ContextVar("relaying", default=False)


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
"""Topic → handler. Topics without a handler stay pending until one is registered.
Domains register theirs with `register` (see tasks/receipts.py)."""


LocalRelay = Callable[[], Awaitable[int]]
LOCAL_RELAYS: list[LocalRelay] = []
"""Relays a web process runs itself right after a commit that wrote rows of a local topic
(service.outbox.services.LOCAL_TOPICS), besides kicking the workers: for topics whose
latency matters (the live screen, tasks/live.py). Each claims its own topics in batches;
workers and beat relay the same topics through HANDLERS too, so a web process that dies
mid-way only delays them (the claim's lease runs out)."""


def register(topic: str) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        HANDLERS[topic] = handler
        return handler

    return decorate


class LocalRelayDeferred(Exception):
    """A local relay could not deliver (its rows are marked failed, due again after
    `retry_after_s`): the web process tries again then, so a Redis blip delays the live
    screen by seconds, not until beat's next run."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


def register_local(relay: LocalRelay) -> LocalRelay:
    LOCAL_RELAYS.append(relay)
    return relay


@functools.cache
def load_handlers() -> None:
    """Import every task module (the app's `include`) so their handlers are registered,
    also in a web process that relays in process."""
    for module in app.conf.include:
        importlib.import_module(module)


async def relay_once(limit: int = BATCH, topics: Iterable[str] | None = None) -> int:
    """Claim and deliver what is due, batch by batch; returns how many were delivered.
    A failing handler leaves its row pending with the error and a growing back-off.
    `topics` narrows the claim."""
    load_handlers()
    settings = get_settings()
    token = _relaying.set(True)  # rows enqueued by handlers are picked up by the loop below
    delivered = 0
    deadline = time.monotonic() + BUDGET_S
    try:
        for _ in range(MAX_BATCHES):
            if time.monotonic() > deadline:
                break
            wanted = list(HANDLERS) if topics is None else [t for t in topics if t in HANDLERS]
            claimed_at = time.monotonic()  # the lease runs from a moment after this
            rows = await claim(wanted, limit, settings.outbox_lease_s)
            if not rows:
                break
            for index, row in enumerate(rows):
                if index and time.monotonic() - claimed_at > settings.outbox_lease_s * LEASE_USE:
                    # A slow batch (a busy machine, a slow mail server): once the lease
                    # runs out, another relay may claim these rows and deliver them too.
                    log.warning(
                        "outbox lease half gone after %d of %d rows; the rest are due again"
                        " when it ends",
                        index,
                        len(rows),
                    )
                    return delivered
                try:
                    await HANDLERS[row["topic"]](row["payload"])
                except Exception as exc:  # recorded on the row, retried after a back-off
                    log.warning("outbox %s %s failed: %r", row["topic"], row["id"], exc)
                    await mark_failed(
                        row["id"], row["attempts"] + 1, repr(exc), settings.outbox_retry_base_s
                    )
                else:
                    await mark_delivered(row["id"])
                    delivered += 1
    finally:
        _relaying.reset(token)
    return delivered


KICK_WINDOW_S = 0.05
"""Kicks asked for within this window are sent as one task: under load a web process sends
one relay task per window instead of one per transaction, and the relay it starts still
sees every row committed before the kick left."""

_scheduled_kick: tuple[asyncio.AbstractEventLoop, asyncio.Task[None]] | None = None


def send_kick(celery_app: Celery) -> bool:
    """Ask a worker to relay now; False (logged) when the broker is unreachable, in which
    case beat's periodic relay delivers the rows once it is back."""
    try:
        # No result is awaited: ignore_result spares the subscription to a result channel.
        celery_app.send_task(RELAY_TASK, retry=False, ignore_result=True)
    except (kombu.exceptions.OperationalError, redis.exceptions.ConnectionError, OSError) as exc:
        log.warning("outbox kick not sent, the broker is unreachable: %r", exc)
        return False
    return True


async def kick() -> None:
    """Run after a transaction that enqueued commits (service.outbox.services.enqueue)."""
    global _scheduled_kick
    if not get_settings().outbox_kick or _relaying.get():
        return
    if app.conf.task_always_eager:
        try:
            await relay_once()
        except Exception:  # the caller's transaction is committed; its rows wait for a relay
            log.exception("in-process outbox relay failed; rows stay pending")
        return
    loop = asyncio.get_running_loop()
    if _scheduled_kick and _scheduled_kick[0] is loop and not _scheduled_kick[1].done():
        return  # a kick that leaves after this commit is already scheduled
    _scheduled_kick = (loop, loop.create_task(_kick_after_window()))


_local_relay: dict[str, Any] = {"loop": None, "task": None, "again": False}
LOCAL_WINDOW_S = 0.05
"""A local relay waits this long before it claims, so the commits of that window are
relayed as one batch (at 50 pledges a second one live batch, with its one computation of
the figures, per window instead of one per pledge); the screens' hub flushes this often."""


async def kick_local() -> None:
    """After a commit that wrote rows of a local topic (service.outbox.services)."""
    if not get_settings().outbox_kick or _relaying.get() or app.conf.task_always_eager:
        return  # eager: kick() relays everything in process already
    _relay_local_topics(asyncio.get_running_loop())


def _relay_local_topics(loop: asyncio.AbstractEventLoop) -> None:
    """One run of the LOCAL_RELAYS at a time per process, each after LOCAL_WINDOW_S;
    commits meanwhile ask it to go round once more, so no row committed before it
    finishes is left for the workers."""
    load_handlers()
    if not LOCAL_RELAYS:
        return
    task = _local_relay["task"]
    if _local_relay["loop"] is loop and task is not None and not task.done():
        _local_relay["again"] = True
        return
    _local_relay.update(loop=loop, again=False, task=loop.create_task(_local_loop()))


async def _local_loop() -> None:
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(LOCAL_WINDOW_S)  # commits meanwhile only ask for this round
        _local_relay["again"] = False
        token = _relaying.set(True)
        try:
            for relay in LOCAL_RELAYS:
                await relay()
        except LocalRelayDeferred as deferred:
            log.warning("local relay deferred: %s", deferred.__cause__ or deferred)
            loop.call_later(deferred.retry_after_s, _relay_local_topics, loop)
        except Exception:  # the rows stay pending; the workers relay them
            log.exception("local relay failed; the workers will relay its rows")
        finally:
            _relaying.reset(token)
        if not _local_relay["again"]:
            return


async def _kick_after_window() -> None:
    global _scheduled_kick
    await asyncio.sleep(KICK_WINDOW_S)
    _scheduled_kick = None  # commits from now on schedule a kick of their own
    await asyncio.to_thread(send_kick, app)


async def flush_kick() -> None:
    """Send a scheduled kick now, before the event loop that holds it ends."""
    global _scheduled_kick
    scheduled = _scheduled_kick
    if scheduled and scheduled[0] is asyncio.get_running_loop() and not scheduled[1].done():
        scheduled[1].cancel()
        _scheduled_kick = None
        await asyncio.to_thread(send_kick, app)


@app.task(
    name=RELAY_TASK,
    autoretry_for=(OSError, asyncpg.PostgresConnectionError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=10,
)
def relay() -> int:
    return run_async(relay_once)


def install() -> None:
    """Let the services kick this relay (service.outbox.relay_hooks); every process that
    writes outbox rows calls it at start-up — the web app, the CLI, and (by importing
    this module) the worker."""
    relay_hooks.register(
        relay_hooks.RelayHooks(
            kick=kick,
            flush=flush_kick,
            relay_once=relay_once,
            kick_local=kick_local,
            load_handlers=load_handlers,
        )
    )


install()


@worker_ready.connect
def _relay_on_start(sender: Any = None, **_kwargs: Any) -> None:
    """A worker coming back (after an outage or a crash) delivers what waited at once."""
    send_kick(app)
