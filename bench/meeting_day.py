"""Benchmark: a meeting day's mixed load on the demo, in the production topology.

    uv run python bench/meeting_day.py --phones 500 --seconds 30 --pledges-per-s 50

`--live-clients` projector and phone screens hold the live stream open
(GET /api/v1/events/{n}/live) for the whole run; each counts the updates it receives, and
the report compares that with the updates the run made (lost must be 0) and gives the
lag from a pledge's answer to its update on the screens.
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
import json
import os
import random
import resource
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reads


async def open_event() -> tuple[int, list[int]]:
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
        self.committed: dict[int, float] = {}  # pledge amount → when its answer came
        self.live_counts: list[int] = []
        self.live_lags: list[float] = []
        self.live_made = 0

    async def get(self, session, base: str, route: str, path: str, **kwargs) -> None:
        started = time.perf_counter()
        try:
            amount = kwargs.pop("amount", None)
            async with session.request(kwargs.pop("method", "GET"), base + path, **kwargs) as r:
                await r.read()
                if amount is not None and r.status == 201:
                    self.committed[amount] = time.monotonic()
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
            "amount_fen": 5_000 + n,  # unique: identifies the pledge on the live screens
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
                    amount=body["amount_fen"],
                )
            )
        )
        await asyncio.sleep(1 / rate)
    await asyncio.gather(*tasks)


async def live_client(
    rec: Recorder, session, base: str, number: int, end: float, ready: asyncio.Event, probe: bool
) -> None:
    """One screen on the live stream until the run ends (plus a moment for the last
    updates); counts its updates, and a probe also times each pledge's update."""
    count = 0
    try:
        async with session.get(
            f"{base}/api/v1/events/{number}/live", timeout=aiohttp_timeout()
        ) as response:
            buffer = b""
            async for chunk in response.content.iter_any():
                if not ready.is_set() and b"retry:" in chunk:
                    ready.set()
                buffer += chunk
                *frames, buffer = buffer.split(b"\n\n")
                now = time.monotonic()
                for frame in frames:
                    if b"event: update" not in frame:
                        continue
                    count += 1
                    if probe:
                        data = json.loads(frame.split(b"data: ", 1)[1].split(b"\n", 1)[0])
                        amount = (data.get("item") or {}).get("amount_fen")
                        if amount in rec.committed:
                            rec.live_lags.append(now - rec.committed[amount])
                if now > end + 5:
                    break
    except Exception as exc:
        rec.errors[f"live stream {type(exc).__name__}"] = (
            rec.errors.get(f"live stream {type(exc).__name__}", 0) + 1
        )
    finally:
        ready.set()
        rec.live_counts.append(count)


def aiohttp_timeout():
    import aiohttp

    return aiohttp.ClientTimeout(total=None, sock_read=30)


async def live_count(number: int) -> int:
    import asyncpg

    connection = await asyncpg.connect(reads.database_url(reads.BENCH_DB))
    try:
        return await connection.fetchval(
            "SELECT count(*) FROM live_event l JOIN event e ON e.id = l.event WHERE e.number = $1",
            number,
        )
    finally:
        await connection.close()


async def run(base: str, args: argparse.Namespace) -> Recorder:
    import aiohttp

    number, projects = await open_event()
    rec = Recorder()
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        warm = Recorder()  # a server that has served each page once (templates compiled)
        for path in ["/", f"/events/{number}", *(f"/projects/{p}" for p in projects)]:
            await warm.get(session, base, path, path, headers={"Accept": "text/html"})
        readies = [asyncio.Event() for _ in range(args.live_clients)]
        far_end = time.monotonic() + 3600
        screens = [
            asyncio.create_task(live_client(rec, session, base, number, far_end, ready, i < 20))
            for i, ready in enumerate(readies)
        ]
        await asyncio.gather(*(ready.wait() for ready in readies))
        before = await live_count(number)
        end = time.monotonic() + args.seconds
        crowd = [
            phone(rec, session, base, number, projects, end, random.uniform(0, args.seconds / 3))
            for _ in range(args.phones)
        ]
        await asyncio.gather(
            *crowd, pledges(rec, session, base, number, projects, args.pledges_per_s, end)
        )
        await asyncio.sleep(3)  # the last updates reach the screens
        rec.live_made = await live_count(number) - before
        for screen in screens:
            screen.cancel()
        await asyncio.gather(*screens, return_exceptions=True)
    return rec


def report(rec: Recorder, args: argparse.Namespace, load: str) -> str:
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load}; "
        f"`uv run python bench/meeting_day.py --phones {args.phones} --seconds {args.seconds} "
        f"--pledges-per-s {args.pledges_per_s} --workers {args.workers} "
        f"--live-clients {args.live_clients}`.",
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
    if rec.live_counts:
        lost = sum(max(0, rec.live_made - c) for c in rec.live_counts)
        lags = sorted(rec.live_lags) or [0.0]
        p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))]
        lines += [
            "",
            f"Live screens: {len(rec.live_counts)} clients, {rec.live_made} updates made, "
            f"{lost} lost; lag from a pledge's answer to its update p50 "
            f"{statistics.median(lags) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms "
            f"({len(rec.live_lags)} samples from 20 probe clients).",
        ]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    lines += [
        "",
        f"The load generator (one process) used {(usage.ru_utime + usage.ru_stime):.1f} CPU "
        f"seconds in the {args.seconds} s run and its set-up.",
    ]
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(rec.errors.items())) or "none"
    lines += ["", f"Errors: {errors}."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--pledges-per-s", type=float, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--live-clients", type=int, default=200)
    args = parser.parse_args()
    redis = reads.Redis()
    server = None
    try:
        asyncio.run(reads.prepare_database(redis.url))
        port = reads.free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**reads.server_env(redis.url), "OUTBOX_KICK": "1"}  # live rows relay at once
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
