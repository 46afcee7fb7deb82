"""Optional OpenTelemetry tracing (OTEL_ENABLED=1, off by default): HTTP requests through
Litestar's OpenTelemetry plugin, asyncpg queries and Celery tasks through the contrib
instrumentations, exported over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT,
OTEL_SERVICE_NAME and the other standard OTEL_* variables). Needs the `otel` extra
(`uv sync --extra otel`); the image installs it."""

from __future__ import annotations

import functools
from typing import Any

from service.settings import Settings

SERVICE_NAME = "minsheng"


@functools.cache
def _instrument(role: str) -> None:
    """Once per process: a tracer provider exporting over OTLP (unless one is set), and
    asyncpg (and in workers Celery) instrumented."""
    from opentelemetry import trace
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider(
            resource=Resource.create({"service.name": SERVICE_NAME, "minsheng.role": role})
        )
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
    AsyncPGInstrumentor().instrument()
    if role == "worker":
        from opentelemetry.instrumentation.celery import CeleryInstrumentor

        CeleryInstrumentor().instrument()


def web_plugins(settings: Settings) -> list[Any]:
    """Litestar plugins for tracing: none unless OTEL_ENABLED."""
    if not settings.ops.otel_enabled:
        return []
    from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin

    _instrument("web")
    return [OpenTelemetryPlugin(OpenTelemetryConfig(exclude=["^/metrics$", "^/static/"]))]


def instrument_worker(settings: Settings) -> None:
    if settings.ops.otel_enabled:
        _instrument("worker")
