"""Benchmark: sustained POST /api/v1/pledges on PostgreSQL, next to pgbench running the
same SQL transaction (bench/pledge_txn.sql) on the same machine in the same run.

    uv run python bench/pledges.py                       # defaults below
    uv run python bench/pledges.py --write-readme        # also update README's table
    uv run python bench/pledges.py --profile             # sample the workers with py-spy

It creates its own database (minsheng_bench), seeds one pledging event with 20 projects,
starts uvicorn on 127.0.0.1 and, from wrk (apt-get install wrk), sends pledges for
`--seconds` (each with its own Idempotency-Key and a donor e-mail, so the confirmation
mail is queued) from `--concurrency` keep-alive clients. Nothing here is asserted:
numbers are recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
ADMIN_DSN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCH_DB = os.environ.get("BENCH_DB", "minsheng_bench")
EVENT_NUMBER = 900
PROJECTS = 20
README_START = "<!-- bench:pledges:start -->"
README_END = "<!-- bench:pledges:end -->"


BENCH_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")


def flush_bench_redis() -> None:
    import redis

    redis.Redis.from_url(BENCH_REDIS).flushdb()


def database_url(name: str) -> str:
    return urlunsplit(urlsplit(ADMIN_DSN)._replace(path=f"/{name}"))


def server_env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(BENCH_DB),
        "PICCOLO_CONF": "service.piccolo_conf",
        "MINSHENG_ENV": "production",
        "MAIL_TRANSPORT": "file",
        "SECRET_KEY": "bench-" + "x" * 40,
        "LOG_LEVEL": "WARNING",
        "MINSHENG_DATA_DIR": tempfile.mkdtemp(prefix="minsheng-bench-"),
        # The production topology: side effects go to Celery through Redis after commit
        # (no worker runs here; the queue is flushed before each run). Without REDIS_URL
        # every request would also relay its mails in process.
        "REDIS_URL": BENCH_REDIS,
        # wrk sends every pledge from one address: per-client limits would measure the 429s.
        "RATE_LIMITS": "0",
    }


async def prepare_database() -> list[int]:
    """A fresh database with one pledging event, PROJECTS projects and one pledge each
    (so accounts and the chain head exist, as on a real meeting day)."""
    import asyncpg

    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{BENCH_DB}"')
    await admin.close()
    os.environ.update({k: v for k, v in server_env().items() if k != "MINSHENG_DATA_DIR"})
    sys.path.insert(0, str(ROOT))
    from service import db
    from service.audit.services import Actor
    from service.cli import migrate_database
    from service.donors.services import DonorDraft
    from service.donors.tables import Donor
    from service.events.services import EventDraft, create_event
    from service.events.tables import Event
    from service.orgs.tables import Organization
    from service.pledges.services import PledgeDraft, create_pledge
    from service.projects.services import BudgetLineDraft, ProjectDraft, create_project
    from service.projects.tables import Project

    await migrate_database()
    await db.start_pool()
    try:
        event_id = await create_event(
            EventDraft(number=EVENT_NUMBER, title="压测众筹会", status=Event.Status.pledging)
        )
        org = Organization(name="压测社区", kind="community")
        await org.save()
        projects = []
        for n in range(PROJECTS):
            project = await create_project(
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
            projects.append(project)
            await create_pledge(
                PledgeDraft(
                    EVENT_NUMBER,
                    project,
                    DonorDraft(Donor.Kind.individual, "种子", phone="13800000000"),
                    100,
                ),
                Actor("bench"),
            )
    finally:
        await db.close_pool()
    return projects


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    uvicorn = [
        "-m",
        "uvicorn",
        "service.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
    ]
    return subprocess.Popen(
        [sys.executable, *uvicorn],
        cwd=ROOT,
        env=server_env(),
        start_new_session=True,
    )


def stop_server(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


async def wait_ready(port: int) -> None:
    import aiohttp

    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not start")


def load(port: int, projects: list[int], seconds: int, concurrency: int) -> dict:
    """`concurrency` keep-alive clients sending pledges for `seconds` from wrk, a C load
    generator (as pgbench is a C client), so the client's own CPU stays small on the
    machine both share."""
    if shutil.which("wrk") is None:
        raise SystemExit("bench/pledges.py needs wrk: apt-get install wrk")
    env = {
        **os.environ,
        "PLEDGE_PROJECTS": ",".join(map(str, projects)),
        "PLEDGE_EVENT": str(EVENT_NUMBER),
        "PLEDGE_RUN": uuid.uuid4().hex[:12],
    }
    command = [
        "wrk",
        f"-t{min(2, concurrency)}",
        f"-c{concurrency}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(Path(__file__).with_name("pledge_load.lua")),
        f"http://127.0.0.1:{port}",
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    line = next((x for x in result.stdout.splitlines() if x.startswith("WRK_RESULT ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed:\n{result.stdout}\n{result.stderr}")
    raw = json.loads(line.removeprefix("WRK_RESULT "))
    errors = {
        name: raw[name] for name in ("non_2xx", "connect", "read", "write", "timeout") if raw[name]
    }
    ok = raw["requests"] - raw["non_2xx"]
    return {
        "ok": ok,
        "errors": errors,
        "seconds": raw["seconds"],
        "per_second": ok / raw["seconds"],
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "mean_ms": raw["mean_us"] / 1000,
    }


def summary(latencies: list[float], elapsed: float, errors: dict[str, int]) -> dict:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else 0

    return {
        "ok": len(ordered),
        "errors": errors,
        "seconds": elapsed,
        "per_second": len(ordered) / elapsed if elapsed else 0,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "mean_ms": statistics.fmean(ordered) * 1000 if ordered else 0,
    }


def pgbench(concurrency: int, seconds: int) -> dict:
    """The same transaction as raw SQL, from pgbench's C client."""
    parts = urlsplit(ADMIN_DSN)
    with tempfile.TemporaryDirectory() as logs:
        command = [
            "pgbench",
            "-h",
            parts.hostname or "127.0.0.1",
            "-p",
            str(parts.port or 5432),
            "-U",
            parts.username or "postgres",
            "-n",
            "-f",
            str(Path(__file__).with_name("pledge_txn.sql")),
            "-D",
            f"nprojects={PROJECTS}",
            "-c",
            str(concurrency),
            "-j",
            "2",
            "-T",
            str(seconds),
            "-l",
            "--log-prefix",
            f"{logs}/pgbench",
            BENCH_DB,
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"pgbench failed:\n{result.stdout}\n{result.stderr}")
        latencies = []
        for log in Path(logs).glob("pgbench*"):
            for line in log.read_text().splitlines():
                fields = line.split()
                if len(fields) >= 3 and fields[2].isdigit():
                    latencies.append(int(fields[2]) / 1_000_000)
    failed = re.search(r"number of failed transactions: (\d+)", result.stdout)
    tps = re.search(r"tps = ([\d.]+)", result.stdout)
    out = summary(latencies, seconds, {"failed": int(failed.group(1))} if failed else {})
    out["per_second"] = float(tps.group(1)) if tps else out["per_second"]
    return out


def spy_on_workers(server: subprocess.Popen, seconds: int) -> list[subprocess.Popen]:
    """py-spy (a sampling profiler: real CPU, no instrumentation) on every uvicorn worker."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    workers = subprocess.run(
        ["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    out = Path(tempfile.mkdtemp(prefix="minsheng-spy-"))
    record = [spy, "record", "--gil", "--rate", "200", "--format", "raw", "-d", str(seconds)]
    return [
        subprocess.Popen(
            [*record, "--pid", pid, "--output", str(out / f"{pid}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in workers
    ]


def profile_summary(spies: list[subprocess.Popen], limit: int = 30) -> str:
    """Where the workers' CPU went: each function's share of all samples (inclusive), and
    the split of the pledge service's own time."""
    for spy in spies:
        spy.wait()
    files = {Path(arg) for spy in spies for arg in spy.args if str(arg).endswith(".txt")}
    total = 0
    inclusive: dict[str, int] = {}
    under_service: dict[str, int] = {}
    for file in files:
        if not file.exists():
            continue
        for line in file.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            samples = int(count)
            total += samples
            frames = [
                re.sub(r" \((?:.*site-packages/|.*/main/)?(.*?):\d+\)$", r" [\1]", f)
                for f in stack.split(";")
            ]
            for frame in set(frames):
                inclusive[frame] = inclusive.get(frame, 0) + samples
            for depth, frame in enumerate(frames[:-1]):
                if frame.startswith("_create_pledge "):
                    below = frames[depth + 1]
                    under_service[below] = under_service.get(below, 0) + samples
                    break
    if not total:
        return "py-spy recorded nothing (is it installed? uv sync installs it)"
    lines = [
        f"{total} samples; share of all samples, inclusive (server plumbing above 95% left out):"
    ]
    top = sorted(
        ((name, n) for name, n in inclusive.items() if n < 0.95 * total), key=lambda item: -item[1]
    )[:limit]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in top]
    lines.append("inside the pledge service (_create_pledge), by callee:")
    service_total = sum(under_service.values()) or 1
    ranked = sorted(under_service.items(), key=lambda item: -item[1])[:15]
    lines += [f"  {100 * n / service_total:5.1f}%  {name}" for name, n in ranked]
    return "\n".join(lines)


def table(rows: list[tuple[int, dict, dict]], args: argparse.Namespace) -> str:
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} CPU "
        f"cores shared by the server, the load generator, PostgreSQL 15 and other work; "
        f"`uv run python bench/pledges.py --workers {args.workers} --concurrency "
        f"{' '.join(map(str, args.concurrency))} --seconds {args.seconds}`; "
        "load from wrk (bench/pledge_load.lua), raw SQL from pgbench (bench/pledge_txn.sql).",
        "",
        "| clients | service pledges/s | p50 ms | p99 ms | errors "
        "| pgbench tx/s | p50 ms | p99 ms | errors | service / pgbench |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for clients, service, raw in rows:
        ratio = service["per_second"] / raw["per_second"] if raw["per_second"] else 0
        lines.append(
            f"| {clients} | {service['per_second']:.0f} | {service['p50_ms']:.1f} "
            f"| {service['p99_ms']:.1f} | {sum(service['errors'].values())} "
            f"| {raw['per_second']:.0f} | {raw['p50_ms']:.1f} | {raw['p99_ms']:.1f} "
            f"| {sum(raw['errors'].values())} | {ratio:.0%} |"
        )
    return "\n".join(lines)


def write_readme(text: str) -> None:
    readme = ROOT / "README.md"
    content = readme.read_text()
    block = f"{README_START}\n{text}\n{README_END}"
    if README_START in content:
        content = re.sub(
            re.escape(README_START) + ".*?" + re.escape(README_END),
            lambda _: block,
            content,
            flags=re.S,
        )
    else:
        content = content.rstrip() + "\n\n" + block + "\n"
    readme.write_text(content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--warmup", type=int, default=3, help="seconds before measuring")
    parser.add_argument("--seconds", type=int, default=20, help="each measurement's length")
    parser.add_argument(
        "--profile", action="store_true", help="sample the workers with py-spy, then stop"
    )
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()

    rows = []
    for clients in args.concurrency:
        # Each measurement starts from the same freshly seeded database: a project's
        # figures are a sum over its entries, so neither side may pay for the other's rows.
        flush_bench_redis()
        projects = asyncio.run(prepare_database())
        port = free_port()
        server = start_server(port, args.workers)
        spies: list[subprocess.Popen] = []
        try:
            asyncio.run(wait_ready(port))
            load(port, projects, args.warmup, clients)
            if args.profile:
                spies = spy_on_workers(server, args.seconds)
            service = load(port, projects, args.seconds, clients)
        finally:
            stop_server(server)
        print(f"service, {clients} clients:", service)
        if spies:
            print(profile_summary(spies))
            return
        asyncio.run(prepare_database())
        raw = pgbench(clients, args.seconds)
        print(f"pgbench, {clients} clients:", raw)
        rows.append((clients, service, raw))
    text = table(rows, args)
    print(text)
    if args.write_readme:
        write_readme(text)


if __name__ == "__main__":
    main()
