"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as aioredis
import structlog
from litestar import Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from service.db import get_engine
from service.settings import get_settings

PROBE_TIMEOUT_S = 2.0
log = structlog.get_logger("minsheng.health")


@get("/healthz", operation_id="healthz", tags=["health"], sync_to_thread=False)
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


async def _database() -> None:
    await get_engine().run_ddl("SELECT 1")


async def _redis(url: str) -> None:
    client = aioredis.from_url(url)
    try:
        await client.ping()
    finally:
        await client.aclose()


@get(
    "/readyz",
    operation_id="readyz",
    tags=["health"],
    responses={
        503: ResponseSpec(
            data_container=dict[str, Any],
            description="Not ready: `checks` says which dependency is down.",
        )
    },
)
async def readyz() -> Response[dict[str, object]]:
    """The database, and Redis (the Celery broker) when configured, answer."""
    settings = get_settings()
    probes = {"database": _database()}
    if settings.redis_url:
        probes["redis"] = _redis(settings.redis_url)
    checks: dict[str, str] = {}
    for name, probe in probes.items():
        try:
            await asyncio.wait_for(probe, PROBE_TIMEOUT_S)
            checks[name] = "ok"
        except Exception as exc:  # any failure means "not ready"; the log says why
            # The answer is public: no exception text (hosts, users) in it, only in the log.
            log.warning("readiness probe failed", probe=name, error=f"{type(exc).__name__}: {exc}")
            checks[name] = "down"
    down = [name for name, state in checks.items() if state != "ok"]
    body: dict[str, object] = {"status": "ok" if not down else "unavailable", "checks": checks}
    if down:
        body["detail"] = f"not ready: {', '.join(down)} unreachable"
    return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE if down else HTTP_200_OK)
