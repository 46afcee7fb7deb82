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
        "tasks.outbox",
        "tasks.payments",
        "tasks.pledges",
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
        "outbox-relay": {"task": "tasks.outbox.relay", "schedule": 10.0},
        "stripe-reconcile": {"task": "tasks.payments.reconcile_stripe", "schedule": 300.0},
        "pledges-lapse": {"task": "tasks.pledges.lapse_overdue", "schedule": 3600.0},
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
