"""Prometheus metrics.

Two kinds:
- counted in the process: HTTP requests by route template and status (Litestar's
  PrometheusMiddleware, `minsheng_requests_total` and friends) and Celery task outcomes
  (`minsheng_celery_tasks_total{task,outcome}`). With several processes (uvicorn
  --workers, Celery prefork) each writes to files in PROMETHEUS_MULTIPROC_DIR and a scrape
  sums them; `minsheng serve` / `minsheng worker` prepare that folder when it is unset.
- read from the database at scrape time, so they are the same whichever process answers:
  pledges and payments by channel, outbox backlog and the age of its oldest undelivered
  row, receipts, the last ledger check, open alerts.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess_dir(role: str) -> Path:
    """Point prometheus_client at a folder shared by this server's processes (before it is
    imported). An operator's PROMETHEUS_MULTIPROC_DIR is kept; ours is emptied at start."""
    chosen = os.environ.get(MULTIPROC_ENV)
    if chosen:
        path = Path(chosen)
        path.mkdir(parents=True, exist_ok=True)
        return path
    path = Path(tempfile.gettempdir()) / f"minsheng-metrics-{role}-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(path)
    return path


def process_registry() -> Any:
    """This process's metrics, or every process's when running multi-process."""
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess, values

    # Multi-process only if prometheus_client was imported after the folder was set (its
    # value class is chosen at import): otherwise this process counts in memory.
    if not os.environ.get(MULTIPROC_ENV) or values.ValueClass.__name__ != "MmapedValue":
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


_task_counter: Any = None


def task_counter() -> Any:
    global _task_counter
    if _task_counter is None:
        from prometheus_client import Counter

        _task_counter = Counter(
            "minsheng_celery_tasks",
            "Celery task runs by task name and outcome (succeeded, failed, retried).",
            ["task", "outcome"],
        )
    return _task_counter


def count_task(task: str, outcome: str) -> None:
    task_counter().labels(task=task, outcome=outcome).inc()


async def database_metrics() -> bytes:
    """The figures read from the database, in Prometheus' text format."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import GaugeMetricFamily

    from service.ledger.tables import LedgerCheck
    from service.ops.tables import Alert

    async def rows(sql: str) -> list[dict[str, Any]]:
        return await Alert.raw(sql)

    families: list[GaugeMetricFamily] = []

    def family(name: str, doc: str, labels: list[str], data: list[tuple[list[str], float]]):
        metric = GaugeMetricFamily(name, doc, labels=labels)
        for values, value in data:
            metric.add_metric(values, value)
        families.append(metric)

    pledges = await rows(
        "SELECT channel, status, count(*) AS n, coalesce(sum(amount_fen), 0) AS fen "
        "FROM pledge GROUP BY channel, status"
    )
    family(
        "minsheng_pledges",
        "Pledges by channel and status.",
        ["channel", "status"],
        [([r["channel"], r["status"]], r["n"]) for r in pledges],
    )
    family(
        "minsheng_pledged_fen",
        "Amount pledged in fen by channel and status.",
        ["channel", "status"],
        [([r["channel"], r["status"]], r["fen"]) for r in pledges],
    )
    payments = await rows(
        "SELECT provider, status, count(*) AS n, coalesce(sum(amount_fen), 0) AS fen "
        "FROM payment GROUP BY provider, status"
    )
    family(
        "minsheng_payments",
        "Payment attempts by channel (provider) and status.",
        ["channel", "status"],
        [([r["provider"], r["status"]], r["n"]) for r in payments],
    )
    family(
        "minsheng_payments_fen",
        "Amount of payment attempts in fen by channel (provider) and status.",
        ["channel", "status"],
        [([r["provider"], r["status"]], r["fen"]) for r in payments],
    )
    outbox = await rows(
        "SELECT topic, count(*) AS n, min(created_at) AS oldest, "
        "sum(CASE WHEN attempts > 0 THEN 1 ELSE 0 END) AS failing "
        "FROM outbox_message WHERE delivered_at IS NULL GROUP BY topic"
    )
    now = dt.datetime.now(dt.UTC)
    family(
        "minsheng_outbox_backlog",
        "Outbox rows not delivered yet, by topic.",
        ["topic"],
        [([r["topic"]], r["n"]) for r in outbox],
    )
    family(
        "minsheng_outbox_failing",
        "Undelivered outbox rows whose delivery failed at least once, by topic.",
        ["topic"],
        [([r["topic"]], r["failing"]) for r in outbox],
    )
    family(
        "minsheng_outbox_oldest_undelivered_age_seconds",
        "Age of the oldest undelivered outbox row, by topic.",
        ["topic"],
        [([r["topic"]], (now - _aware(r["oldest"])).total_seconds()) for r in outbox],
    )
    receipts = await rows("SELECT status, count(*) AS n FROM receipt GROUP BY status")
    family(
        "minsheng_receipts",
        "Receipts by status (issued, void, declined).",
        ["status"],
        [([r["status"]], r["n"]) for r in receipts],
    )
    check = (
        await LedgerCheck.select(LedgerCheck.ok, LedgerCheck.checked_at)
        .order_by(LedgerCheck.id, ascending=False)
        .first()
    )
    family(
        "minsheng_ledger_check_ok",
        "1 when the last ledger check found the chain and balances right, 0 when not; "
        "absent before the first check.",
        [],
        [([], 1.0 if check["ok"] else 0.0)] if check else [],
    )
    family(
        "minsheng_ledger_check_timestamp_seconds",
        "When the last ledger check ran (Unix time).",
        [],
        [([], check["checked_at"].timestamp())] if check else [],
    )
    alerts = await rows(
        "SELECT kind, sum(CASE WHEN resolved_at IS NULL THEN 1 ELSE 0 END) AS open, "
        "count(*) AS total "
        "FROM ops_alert GROUP BY kind"
    )
    by_kind = {r["kind"]: r for r in alerts}
    kinds = [k.value for k in Alert.Kind]
    family(
        "minsheng_alerts_open",
        "Open incidents by kind (ledger_check, outbox_stuck, reconciliation).",
        ["kind"],
        [([k], by_kind[k]["open"] if k in by_kind else 0) for k in kinds],
    )
    family(
        "minsheng_alerts",
        "Incidents ever opened, by kind.",
        ["kind"],
        [([k], by_kind[k]["total"] if k in by_kind else 0) for k in kinds],
    )
    family("minsheng_scrape_timestamp_seconds", "When these figures were read.", [], [
        ([], time.time())
    ])  # fmt: skip

    class Fixed:
        def collect(self) -> list[GaugeMetricFamily]:
            return families

    registry = CollectorRegistry(auto_describe=False)
    registry.register(Fixed())  # type: ignore[arg-type]
    return generate_latest(registry)


def _aware(value: dt.datetime | str) -> dt.datetime:
    """A timestamp from a raw query (SQLite hands back text)."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def render_process_metrics() -> bytes:
    from prometheus_client import generate_latest

    return generate_latest(process_registry())


_http_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
_http_metrics: tuple[Any, Any] | None = None
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
NOT_COUNTED = ("/metrics", "/static/")


def _http_child(method: str, path: str, status: int) -> tuple[Any, Any]:
    """The counter and histogram of one (method, route, status), made once: label lookups
    are most of what counting a request costs."""
    global _http_metrics
    key = (method, path, status)
    child = _http_children.get(key)
    if child is None:
        if _http_metrics is None:
            from prometheus_client import Counter, Histogram

            labels = ["method", "path", "status_code"]
            _http_metrics = (
                Counter("minsheng_requests", "HTTP requests by route and status.", labels),
                Histogram(
                    "minsheng_request_duration_seconds",
                    "HTTP request duration by route and status.",
                    labels,
                    buckets=HTTP_BUCKETS,
                ),
            )
        values = (method, path, str(status))
        child = (_http_metrics[0].labels(*values), _http_metrics[1].labels(*values))
        _http_children[key] = child
    return child


class HttpMetricsMiddleware:
    """Counts each request by method, route template (not the concrete path: ids would
    explode the series) and status, and observes its duration. A lean equivalent of
    Litestar's PrometheusMiddleware, about a third of its cost per request
    (bench/observability.py)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(NOT_COUNTED):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def counting_send(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            counter, histogram = _http_child(
                scope["method"], scope.get("path_template") or "unmatched", status
            )
            counter.inc()
            histogram.observe(time.perf_counter() - start)
