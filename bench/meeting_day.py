"""Benchmark: a meeting day's mixed load on the demo, in the production topology.

    uv run python bench/meeting_day.py --phones 500 --seconds 30 --pledges-per-s 50

"Scan the code": `--phones` simulated phones arrive spread over the first third of the run;
each opens the home page, the open edition, then project pages one after another with 1–3 s
between pages (as people read), until the run ends. Meanwhile `--pledges-per-s` online
pledges arrive at a steady rate (POST /api/v1/pledges, each with its own Idempotency-Key),
spread over the open edition's projects. The server is uvicorn with `--workers` workers on
PostgreSQL and a throwaway Redis (shared cache, broker); no Celery worker runs (mails and
live messages wait in the outbox). The clients are one asyncio process (aiohttp). Reports
p50/p99 per route and every error. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reads


async def open_edition() -> tuple[int, list[int]]:
    import asyncpg

    connection = await asyncpg.connect(reads.database_url(reads.BENCH_DB))
    try:
        number = await connection.fetchval(
            "SELECT number FROM event WHERE status IN ('pledging', 'live') ORDER BY number DESC"
        )
        rows = await connection.fetch(  # projects with room left (no refusals)
            "SELECT p.id FROM project p JOIN event e ON e.id = p.event "
            "LEFT JOIN ledger_account a ON a.code = 'pledged:p' || p.id "
            "LEFT JOIN ledger_balance b ON b.account = a.id "
            "WHERE e.number = $1 AND p.status IN ('published', 'funded') "
            "AND p.target_fen + COALESCE(b.balance_fen, 0) > 2000000 ORDER BY p.id",
            number,
        )
        return number, [row["id"] for row in rows]
    finally:
        await connection.close()


class Recorder:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}

    async def get(self, session, base: str, route: str, path: str, **kwargs) -> None:
        started = time.perf_counter()
        try:
            async with session.request(kwargs.pop("method", "GET"), base + path, **kwargs) as r:
                await r.read()
                ok = r.status < 400 or (route == "POST /api/v1/pledges" and r.status == 409)
                if not ok:
                    self.errors[f"{route} {r.status}"] = (
                        self.errors.get(f"{route} {r.status}", 0) + 1
                    )
        except Exception as exc:
            self.errors[f"{route} {type(exc).__name__}"] = (
                self.errors.get(f"{route} {type(exc).__name__}", 0) + 1
            )
            return
        self.latencies.setdefault(route, []).append(time.perf_counter() - started)


async def phone(
    rec: Recorder, session, base: str, number: int, projects: list[int], end: float, arrive: float
) -> None:
    await asyncio.sleep(arrive)
    html = {"Accept": "text/html"}
    await rec.get(session, base, "GET /", "/", headers=html)
    await asyncio.sleep(random.uniform(1, 3))
    await rec.get(session, base, "GET /events/{n}", f"/events/{number}", headers=html)
    while time.monotonic() < end:
        await asyncio.sleep(random.uniform(1, 3))
        project = random.choice(projects)
        await rec.get(session, base, "GET /projects/{id}", f"/projects/{project}", headers=html)


async def pledges(
    rec: Recorder, session, base: str, number: int, projects: list[int], rate: float, end: float
) -> None:
    tasks = []
    n = 0
    while time.monotonic() < end:
        n += 1
        body = {
            "event": number,
            "project_id": projects[n % len(projects)],
            "amount_fen": 100 + (n * 7919) % 10_000,
            "allow_general_fund": True,
            "donor": {"kind": "individual", "display_name": f"现场{n}", "phone": "13800000000"},
        }
        headers = {"Idempotency-Key": f"meeting-{uuid.uuid4().hex}"}
        tasks.append(
            asyncio.create_task(
                rec.get(
                    session,
                    base,
                    "POST /api/v1/pledges",
                    "/api/v1/pledges",
                    method="POST",
                    json=body,
                    headers=headers,
                )
            )
        )
        await asyncio.sleep(1 / rate)
    await asyncio.gather(*tasks)


async def run(base: str, args: argparse.Namespace) -> Recorder:
    import aiohttp

    number, projects = await open_edition()
    rec = Recorder()
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        warm = Recorder()  # a server that has served each page once (templates compiled)
        for path in ["/", f"/events/{number}", *(f"/projects/{p}" for p in projects)]:
            await warm.get(session, base, path, path, headers={"Accept": "text/html"})
        end = time.monotonic() + args.seconds
        crowd = [
            phone(rec, session, base, number, projects, end, random.uniform(0, args.seconds / 3))
            for _ in range(args.phones)
        ]
        await asyncio.gather(
            *crowd, pledges(rec, session, base, number, projects, args.pledges_per_s, end)
        )
    return rec


def report(rec: Recorder, args: argparse.Namespace, load: str) -> str:
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load}; "
        f"`uv run python bench/meeting_day.py --phones {args.phones} --seconds {args.seconds} "
        f"--pledges-per-s {args.pledges_per_s} --workers {args.workers}`.",
        "",
        "| route | requests | per second | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for route, values in sorted(rec.latencies.items()):
        ordered = sorted(values)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        lines.append(
            f"| `{route}` | {len(ordered)} | {len(ordered) / args.seconds:.1f} "
            f"| {statistics.median(ordered) * 1000:.1f} | {p99 * 1000:.1f} "
            f"| {ordered[-1] * 1000:.1f} |"
        )
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(rec.errors.items())) or "none"
    lines += ["", f"Errors: {errors}."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--pledges-per-s", type=float, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    redis = reads.Redis()
    server = None
    try:
        asyncio.run(reads.prepare_database(redis.url))
        port = reads.free_port()
        base = f"http://127.0.0.1:{port}"
        env = reads.server_env(redis.url)
        server = reads.uvicorn(
            "service.app:create_app", port, env, "--factory", "--workers", str(args.workers)
        )
        reads.wait_ready(base + "/healthz")
        rec = asyncio.run(run(base, args))
        print(report(rec, args, reads.load_average()))
    finally:
        if server is not None:
            reads.stop(server)
        redis.stop()
    os._exit(0)


if __name__ == "__main__":
    main()
