"""Benchmark: what request ids and Prometheus counting cost per request.

    uv run python bench/observability.py [--requests 20000] [--rounds 5]

Calls the ASGI app in process (no sockets, no server) for GET /healthz, which touches no
database, so the difference is the per-request middleware: the app as built by
create_app(), the same with Litestar's PrometheusMiddleware in place of ours, the same
with RequestIdMiddleware, the X-Request-ID hook and the metrics middleware swapped for
nothing, and a bare Litestar handler as the anchor. Rounds alternate between them so
machine load hits all alike; the best round of each is reported. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PICCOLO_CONF", "service.piccolo_conf")
os.environ.setdefault("MINSHENG_DATA_DIR", tempfile.mkdtemp(prefix="minsheng-bench-obs-"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{os.environ['MINSHENG_DATA_DIR']}/b.sqlite3")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def scope() -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/healthz",
        "raw_path": b"/healthz",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench"), (b"accept", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }


async def drive(app, count: int) -> float:
    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    statuses = []

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    start = time.perf_counter()
    for _ in range(count):
        await app(scope(), receive, send)
    elapsed = time.perf_counter() - start
    assert set(statuses) == {200}, set(statuses)
    return count / elapsed


def build_apps():
    from litestar import Litestar, get
    from litestar.plugins.prometheus import PrometheusConfig

    import service.app as service_app

    full = service_app.create_app()

    class Nothing:
        def __init__(self, app, **_kwargs) -> None:
            self.app = app

        async def __call__(self, scope, receive, send) -> None:
            await self.app(scope, receive, send)

    async def no_header(_message, _scope) -> None:
        return None

    def variant(**replacements):
        originals = {name: getattr(service_app, name) for name in replacements}
        for name, value in replacements.items():
            setattr(service_app, name, value)
        try:
            return service_app.create_app()
        finally:
            for name, value in originals.items():
                setattr(service_app, name, value)

    litestar_prometheus = PrometheusConfig(
        app_name="minsheng", prefix="litestar_bench", group_path=True
    ).middleware
    with_litestar = variant(HttpMetricsMiddleware=litestar_prometheus)
    without = variant(
        HttpMetricsMiddleware=Nothing, RequestIdMiddleware=Nothing, add_request_id_header=no_header
    )

    @get("/healthz", sync_to_thread=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return {
        "service (request ids + HttpMetricsMiddleware)": full,
        "service with Litestar's PrometheusMiddleware instead": with_litestar,
        "service without ids/metrics": without,
        "bare Litestar": Litestar([healthz]),
    }


async def main(requests: int, rounds: int) -> None:
    apps = build_apps()
    best = dict.fromkeys(apps, 0.0)
    for app in apps.values():
        await drive(app, 500)  # warm up
    for _ in range(rounds):
        for name, app in apps.items():
            best[name] = max(best[name], await drive(app, requests))
    base = best["service without ids/metrics"]
    print(f"GET /healthz in process, best of {rounds} rounds of {requests} requests")
    print("| app | requests/s | vs without ids/metrics |")
    print("|---|---:|---:|")
    for name, rate in best.items():
        print(f"| {name} | {rate:,.0f} | {rate / base:.0%} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds))
