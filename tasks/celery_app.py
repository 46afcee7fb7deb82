"""The one Celery app, configured from settings.

With REDIS_URL unset, tasks run in process (task_always_eager): the zero-setup default.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("PICCOLO_CONF", "service.piccolo_conf")

from service.settings import get_settings

settings = get_settings()

app = Celery("minsheng", include=["tasks.outbox", "tasks.ledger"])
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
    beat_schedule={
        "outbox-relay": {"task": "tasks.outbox.relay", "schedule": 10.0},
        "ledger-check": {"task": "tasks.ledger.check", "schedule": 3600.0},
    },
)
