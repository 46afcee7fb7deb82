"""Celery process wiring: JSON logs with request ids, task outcome metrics.

- `setup_logging`: worker and beat log through service.logging (JSON with LOG_JSON=1)
  instead of Celery's own format.
- A task published while serving a request carries the request id in a header; the worker
  binds it (or the task id when there is none) to every log line of the task.
- Task outcomes count into `minsheng_celery_tasks_total`; with WORKER_METRICS_PORT the
  worker's main process serves them (summed over its prefork children) for Prometheus.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import structlog
from celery.signals import (
    before_task_publish,
    setup_logging,
    task_failure,
    task_postrun,
    task_prerun,
    task_retry,
    task_success,
    worker_init,
    worker_process_init,
    worker_process_shutdown,
)

from service.ops import metrics
from service.settings import get_settings
from service.web.request_id import bind_request_id, current_request_id

HEADER = "minsheng_request_id"
log = logging.getLogger("minsheng.tasks")


@setup_logging.connect
def _configure_logging(**_kwargs: Any) -> None:
    from service.logging import configure_logging

    configure_logging(get_settings())


@before_task_publish.connect
def _carry_request_id(headers: dict[str, Any] | None = None, **_kwargs: Any) -> None:
    request_id = current_request_id()
    if request_id and headers is not None:
        headers.setdefault(HEADER, request_id)


@task_prerun.connect
def _bind_task(task_id: str | None = None, task: Any = None, **_kwargs: Any) -> None:
    request_id = getattr(task.request, HEADER, None) if task is not None else None
    bind_request_id(request_id or task_id or "")
    structlog.contextvars.bind_contextvars(task=getattr(task, "name", None), task_id=task_id)


@task_postrun.connect
def _unbind_task(**_kwargs: Any) -> None:
    structlog.contextvars.unbind_contextvars("request_id", "task", "task_id")


@task_success.connect
def _succeeded(sender: Any = None, **_kwargs: Any) -> None:
    metrics.count_task(getattr(sender, "name", "?"), "succeeded")


@task_failure.connect
def _failed(sender: Any = None, **_kwargs: Any) -> None:
    metrics.count_task(getattr(sender, "name", "?"), "failed")


@task_retry.connect
def _retried(sender: Any = None, **_kwargs: Any) -> None:
    metrics.count_task(getattr(sender, "name", "?"), "retried")


@worker_init.connect
def _serve_worker_metrics(**_kwargs: Any) -> None:
    port = get_settings().ops.worker_metrics_port
    if port is None:
        return
    from prometheus_client import start_http_server

    start_http_server(port, registry=metrics.process_registry())
    log.info("worker metrics served on port %s", port)


@worker_process_init.connect
@worker_init.connect
def _trace_tasks(**_kwargs: Any) -> None:
    from service.ops.tracing import instrument_worker

    instrument_worker(get_settings())  # after the fork: exporters own threads


@worker_process_shutdown.connect
def _forget_process(pid: int | None = None, **_kwargs: Any) -> None:
    if os.environ.get(metrics.MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())
