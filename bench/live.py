"""Benchmark: the live screen's fan-out. N SSE clients on 2 web processes while pledges
arrive at R per second through the API.

    uv run python bench/live.py --clients 1000 --rate 100 --seconds 20

It creates its own database (minsheng_bench_live) and its own redis-server on a free port
(the shared Redis is left alone), seeds one live event with 20 projects and a matching
pool, starts two uvicorn processes (one worker each) on that Redis, connects the clients
(half to each process) from two client processes, then posts pledges at a fixed rate,
alternating between the web processes. Each pledge has its own amount, so a client
that parses an update knows which commit it shows.

Measured (nothing is asserted):
- lag from commit (the API's answer) to receipt, on `--probes` fully parsing clients per
  client process (the others only count updates, to keep the load generator small);
- updates lost: every client must receive every update committed while it was connected;
- memory per connection: each web process's RSS after the clients connected, minus before,
  divided by its connections;
- CPU of the web processes during the load (CPU seconds per wall second; 1.0 = one core).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
ADMIN_DSN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCH_DB = "minsheng_bench_live"
EVENT_NUMBER = 901
PROJECTS = 20
ID_RE = re.compile(rb"id: (\d+)\n")
UPDATE = b"event: update\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    return urlunsplit(urlsplit(ADMIN_DSN)._replace(path=f"/{BENCH_DB}"))


def server_env(redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PICCOLO_CONF": "service.piccolo_conf",
        "MINSHENG_ENV": "production",
        "MAIL_TRANSPORT": "file",
        "RATE_LIMITS": "0",  # one load generator is every donor
        "SECRET_KEY": "bench-" + "x" * 40,
        "LOG_LEVEL": "WARNING",
        "MINSHENG_DATA_DIR": tempfile.mkdtemp(prefix="minsheng-bench-live-"),
        "REDIS_URL": redis_url,
        "OUTBOX_KICK": "1",
    }


async def prepare_database(redis_url: str) -> list[int]:
    import asyncpg

    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{BENCH_DB}"')
    await admin.close()
    os.environ.update({k: v for k, v in server_env(redis_url).items() if k != "REDIS_URL"})
    sys.path.insert(0, str(ROOT))
    from service import db
    from service.audit.services import Actor
    from service.cli import migrate_database
    from service.events.services import EventDraft, create_event
    from service.events.tables import Event
    from service.matching.drafts import PoolDraft
    from service.matching.pools import create_pool
    from service.orgs.tables import Organization
    from service.projects.services import BudgetLineDraft, ProjectDraft, create_project
    from service.projects.tables import Project

    await migrate_database()
    await db.start_pool()
    try:
        event_id = await create_event(
            EventDraft(number=EVENT_NUMBER, title="压测现场", status=Event.Status.live)
        )
        org = Organization(name="压测社区", kind="community")
        await org.save()
        sponsor = Organization(name="压测企业", kind="enterprise", uscc="91330102WJDM00014D")
        await sponsor.save()
        projects = [
            await create_project(
                ProjectDraft(
                    owner_org_id=org.id,
                    community_id=org.id,
                    title=f"压测项目{n + 1}",
                    category=Project.Category.elderly_care,
                    budget=(BudgetLineDraft("物资", 10_000_000_000),),
                    event_id=event_id,
                    status=Project.Status.published,
                )
            )
            for n in range(PROJECTS)
        ]
        await create_pool(PoolDraft(event_id, sponsor.id, "压测配捐", 10_000_000), Actor("bench"))
    finally:
        await db.close_pool()
    return projects


def start_redis(port: int) -> subprocess.Popen:
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return process


def start_web(port: int, redis_url: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "uvicorn", "service.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    command += ["--log-level", "warning", "--no-access-log", "--loop", "uvloop"]
    command += ["--http", "httptools"]
    return subprocess.Popen(command, cwd=ROOT, env=server_env(redis_url), start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    with_group = process.args[0] == sys.executable
    try:
        if with_group:
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.terminate()
        process.wait(timeout=30)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        process.kill()
        process.wait()


def wait_http(port: int) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"web process on {port} did not start")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine so far."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- clients (in their own processes) ----------------------------------------------------


async def _client(port: int, probe: bool, stats: dict, seen: list, ready: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /api/v1/events/{EVENT_NUMBER}/live HTTP/1.1\r\nHost: bench\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    tail, buffer = b"", b""
    count, last = 0, 0
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            break
        if not ready.is_set() and b"retry:" in chunk:
            ready.set()
        count += (tail + chunk).count(UPDATE)
        tail = chunk[-(len(UPDATE) - 1) :]
        if probe:
            now = time.time()
            buffer += chunk
            *frames, buffer = buffer.split(b"\n\n")
            for frame in frames:
                if UPDATE in frame:
                    data = json.loads(frame.split(b"data: ", 1)[1].split(b"\n", 1)[0])
                    seen.append((data["item"]["amount_fen"], now))
        ids = ID_RE.findall(chunk)
        if ids:
            last = int(ids[-1])
        stats["count"], stats["last"] = count, last


def client_process(ports: list[int], clients: int, probes: int, pipe: Connection) -> None:
    async def main() -> None:
        stats = [{"count": 0, "last": 0} for _ in range(clients)]
        seen: list = []
        readies = [asyncio.Event() for _ in range(clients)]
        tasks = []
        for i in range(clients):
            port = ports[i % len(ports)]
            tasks.append(asyncio.create_task(_client(port, i < probes, stats[i], seen, readies[i])))
            if i % 50 == 49:
                await asyncio.sleep(0.05)
        await asyncio.gather(*(r.wait() for r in readies))
        pipe.send("ready")
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # "report"
        pipe.send({"counts": [s["count"] for s in stats], "seen": seen})
        for task in tasks:
            task.cancel()

    asyncio.run(main())


# --- load ------------------------------------------------------------------------------


async def post_pledges(ports: list[int], projects: list[int], rate: int, seconds: int) -> dict:
    import aiohttp

    commits: dict[int, float] = {}
    errors = 0
    total = rate * seconds
    start = time.monotonic()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:

        async def one(i: int) -> None:
            nonlocal errors
            port = ports[i % len(ports)]
            amount = 10_000 + i  # identifies the pledge in the updates
            body = {
                "event": EVENT_NUMBER,
                "project_id": projects[i % len(projects)],
                "amount_fen": amount,
                "donor": {"kind": "individual", "display_name": f"居民{i}", "phone": "13800000000"},
            }
            async with session.post(
                f"http://127.0.0.1:{port}/api/v1/pledges", json=body
            ) as response:
                await response.read()
                if response.status == 201:
                    commits[amount] = time.time()
                else:
                    errors += 1

        tasks = []
        for i in range(total):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    return {"commits": commits, "errors": errors, "elapsed": time.monotonic() - start}


async def live_count() -> int:
    import asyncpg

    connection = await asyncpg.connect(database_url())
    try:
        return await connection.fetchval(
            "SELECT count(*) FROM live_event l JOIN event e ON e.id = l.event WHERE e.number = $1",
            EVENT_NUMBER,
        )
    finally:
        await connection.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=100, help="pledges per second")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--probes", type=int, default=10, help="parsing clients per process")
    args = parser.parse_args()
    if not shutil.which("redis-server"):
        sys.exit("redis-server is needed (apt-get install redis-server)")

    redis_port = free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    redis_server = start_redis(redis_port)
    webs: list[subprocess.Popen] = []
    clients: list[mp.Process] = []
    try:
        projects = asyncio.run(prepare_database(redis_url))
        ports = [free_port(), free_port()]
        webs = [start_web(port, redis_url) for port in ports]
        for port in ports:
            wait_http(port)
        time.sleep(1)
        rss_before = [rss_kb(w.pid) for w in webs]

        pipes = []
        for _ in range(2):
            here, there = mp.Pipe()
            process = mp.Process(
                target=client_process, args=(ports, args.clients // 2, args.probes, there)
            )
            process.start()
            clients.append(process)
            pipes.append(here)
        for pipe in pipes:
            assert pipe.recv() == "ready"
        time.sleep(1)
        rss_after = [rss_kb(w.pid) for w in webs]
        before = asyncio.run(live_count())

        cpu_before = [cpu_s(w.pid) for w in webs]
        client_cpu_before = [cpu_s(c.pid) for c in clients]
        busy_before = machine_busy()
        load = asyncio.run(post_pledges(ports, projects, args.rate, args.seconds))
        cpu_during = [
            (cpu_s(w.pid) - c) / load["elapsed"] for w, c in zip(webs, cpu_before, strict=True)
        ]
        client_cpu = [
            (cpu_s(p.pid) - c) / load["elapsed"]
            for p, c in zip(clients, client_cpu_before, strict=True)
        ]
        busy_after = machine_busy()
        machine_load = (busy_after[0] - busy_before[0]) / (busy_after[1] - busy_before[1])

        expected = len(load["commits"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and asyncio.run(live_count()) - before < expected:
            time.sleep(0.5)
        time.sleep(3)  # the last updates reach the clients
        for pipe in pipes:
            pipe.send("report")
        reports = [pipe.recv() for pipe in pipes]
        made = asyncio.run(live_count()) - before
    finally:
        for process in clients:
            process.terminate()
        for web in webs:
            stop(web)
        stop(redis_server)

    counts = [c for report in reports for c in report["counts"]]
    lags = [
        t - load["commits"][amount]
        for report in reports
        for amount, t in report["seen"]
        if amount in load["commits"]
    ]
    per_connection = [
        (after - before_) / (args.clients / 2)
        for before_, after in zip(rss_before, rss_after, strict=True)
    ]
    result = {
        "clients": args.clients,
        "rate": args.rate,
        "seconds": args.seconds,
        "pledges_committed": expected,
        "pledge_errors": load["errors"],
        "achieved_rate": round(expected / load["elapsed"], 1),
        "updates_made": made,
        "lost": sum(max(0, made - c) for c in counts),
        "clients_complete": sum(1 for c in counts if c >= made),
        "lag_p50_ms": round(statistics.median(lags) * 1000, 1) if lags else None,
        "lag_p99_ms": round(percentile(lags, 0.99) * 1000, 1) if lags else None,
        "lag_max_ms": round(max(lags) * 1000, 1) if lags else None,
        "lag_samples": len(lags),
        "kb_per_connection": [round(kb, 1) for kb in per_connection],
        "web_cpu_cores": [round(c, 2) for c in cpu_during],
        "client_process_cpu_cores": [round(c, 2) for c in client_cpu],
        "machine_busy_share": round(machine_load, 2),
        "machine_cores": os.cpu_count(),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
