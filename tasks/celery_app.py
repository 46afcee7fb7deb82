"""The one Celery app, configured from settings.

With REDIS_URL unset, tasks run in process (task_always_eager): the zero-setup default.
"""

from __future__ import annotations

import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("PICCOLO_CONF", "service.piccolo_conf")

from service.settings import get_settings

settings = get_settings()

app = Celery(
    "minsheng",
    include=[
        "tasks.disclosure",
        "tasks.ledger",
        "tasks.live",
        "tasks.outbox",
        "tasks.ops",
        "tasks.payments",
        "tasks.pledges",
        "tasks.privacy",
        "tasks.receipts",
        "tasks.reminders",
        "tasks.tracking",
    ],
)
app.conf.update(
    broker_url=settings.redis_url or "memory://",
    result_backend=settings.redis_url or "cache+memory://",
    task_always_eager=settings.tasks_in_process,
    task_eager_propagates=True,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_time_limit=300,
    task_soft_time_limit=240,
    result_expires=24 * 3600,
    broker_connection_retry_on_startup=True,
    broker_transport_options={"visibility_timeout": 3600},
    timezone="Asia/Shanghai",
    enable_utc=True,
    task_default_retry_delay=10,
    beat_schedule={
        "outbox-relay": {
            "task": "tasks.outbox.relay",
            "schedule": float(settings.ops.outbox_relay_every_s),
        },
        "stripe-reconcile": {"task": "tasks.payments.reconcile_stripe", "schedule": 300.0},
        "pledges-lapse": {"task": "tasks.pledges.lapse_overdue", "schedule": 3600.0},
        "privacy-retention": {
            "task": "tasks.privacy.erase_expired_contacts",
            "schedule": crontab(minute=30, hour=3),
        },
        "pledges-release-unconfirmed": {
            "task": "tasks.pledges.release_unconfirmed",
            "schedule": 3600.0,
        },
        "pledge-reminders": {
            "task": "tasks.reminders.send_due",
            "schedule": timedelta(seconds=settings.reminders_every_s)
            if settings.reminders_every_s
            else crontab(minute=0, hour=settings.reminder_hour),
        },
        "organizer-digest": {
            "task": "tasks.reminders.digest",
            "schedule": crontab(minute=5, hour=settings.reminder_hour),
        },
        "portfolio-snapshot": {
            "task": "tasks.tracking.snapshot",
            "schedule": timedelta(seconds=settings.snapshot_every_s),
        },
        "ledger-check": {"task": "tasks.ledger.check", "schedule": 3600.0},
        "ops-watch": {
            "task": "tasks.ops.watch",
            "schedule": float(settings.ops.watch_every_s),
        },
        "ops-reconciliation": {"task": "tasks.ops.reconciliation", "schedule": 3600.0},
        "outbox-prune": {"task": "tasks.ops.prune_outbox", "schedule": crontab(minute=30, hour=3)},
        "disclosure-reminders": {
            "task": "tasks.disclosure.remind",
            "schedule": timedelta(seconds=settings.reminders_every_s)
            if settings.reminders_every_s
            else crontab(minute=10, hour=settings.reminder_hour),
        },
    },
)

if settings.redis_url:
    # Postings and other writes made by tasks move the public content version that every
    # web process reads (service/web/public_cache.py), so cached pages follow them.
    from service.web.public_cache import install_redis_bumper

    install_redis_bumper(settings.redis_url)

BEAT_MAX_LOOP_S = 5
"""How often the active beat wakes (and renews its lock) and a standby retries the lock."""

if settings.redis_url:
    # One scheduler however many beat processes run (one per machine is fine): RedBeat keeps
    # the schedule in Redis and only the holder of its lock sends due tasks; a standby takes
    # over within BEAT_LOCK_TIMEOUT_S of the holder's death. No local schedule file.
    app.conf.update(
        beat_scheduler="redbeat.RedBeatScheduler",
        redbeat_redis_url=settings.redis_url,
        redbeat_key_prefix=settings.ops.beat_key_prefix,
        redbeat_lock_timeout=max(settings.ops.beat_lock_timeout_s, 2 * BEAT_MAX_LOOP_S),
        beat_max_loop_interval=BEAT_MAX_LOOP_S,
    )

import tasks.signals  # noqa: E402, F401  (logging, request ids and metrics for every process)
