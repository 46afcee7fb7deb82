"""Optional OpenTelemetry (OTEL_ENABLED=1): HTTP and asyncpg spans from the app, Celery and
asyncpg spans from a real worker exported over OTLP/HTTP to a collector on loopback."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from celery import Celery
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from service.settings import get_settings
from tests.browser import free_port
from tests.workers import PrivateRedis, worker


def test_tracing_is_off_by_default():
    from service.app import create_app
    from service.ops.tracing import web_plugins

    assert get_settings().ops.otel_enabled is False
    assert web_plugins(get_settings()) == []
    assert not any("OpenTelemetry" in type(p).__name__ for p in create_app().plugins)


async def test_http_requests_and_queries_are_traced(database):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    from service.app import create_app

    base = get_settings()
    app = create_app(
        dataclasses.replace(base, ops=dataclasses.replace(base.ops, otel_enabled=True))
    )
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            assert (await c.get("/api/v1/events")).status_code == 200
    finally:
        from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

        AsyncPGInstrumentor().uninstrument()  # the rest of the session runs untraced
    spans = exporter.get_finished_spans()
    server = [s for s in spans if s.kind == trace.SpanKind.SERVER]
    assert [s.attributes.get("http.route") for s in server] == ["GET /api/v1/events"]
    queries = [s for s in spans if s.attributes.get("db.system") == "postgresql"]
    assert queries and all(q.context.trace_id == server[0].context.trace_id for q in queries)


class Collector(BaseHTTPRequestHandler):
    spans: list[str] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                Collector.spans.extend(span.name for span in scope.spans)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args) -> None:
        return


@pytest.fixture
def collector():
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Collector)
    Collector.spans = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


async def test_a_worker_exports_task_and_query_spans(clean_db, collector):
    broker = PrivateRedis().start()
    proc = worker(
        {
            "REDIS_URL": broker.url,
            "OTEL_ENABLED": "1",
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector,
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        },
        "--pool",
        "solo",
    )
    try:
        result = Celery(broker=broker.url, backend=broker.url).send_task("tasks.ledger.check")
        assert (await asyncio.to_thread(result.get, timeout=60))["ok"] is True
        deadline = time.monotonic() + 30
        while "run/tasks.ledger.check" not in Collector.spans:
            assert time.monotonic() < deadline, Collector.spans
            await asyncio.sleep(0.2)
    finally:
        proc.stop()
        broker.stop()
    assert any(name.startswith(("SELECT", "INSERT")) for name in Collector.spans), Collector.spans
