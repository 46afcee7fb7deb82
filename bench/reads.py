"""Benchmark: the public reads at meeting-day load, next to a bare Litestar handler in the
same run, on the demo data and on the demo grown to `--grow` times its pledges.

    uv run python bench/reads.py                        # defaults below
    uv run python bench/reads.py --write-readme         # also update README's table
    uv run python bench/reads.py --profile /            # py-spy on the worker, one route

It creates its own database (minsheng_bench_reads) with the demo (`load-demo`), starts a
throwaway redis-server (the production topology: the shared response cache and its
content version live in Redis) and two uvicorn servers with one worker each (uvloop,
httptools): the service, and bench/bare_app.py. wrk (apt-get install wrk) loads each
route from `--connections` keep-alive connections for `--seconds`. Every route is
measured twice: as served (from the shared cache, revalidated by version) and rendered
(the cache bypassed by a session cookie, so each request reads the database and renders).
Nothing here is asserted: numbers are recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
ADMIN_DSN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCH_DB = "minsheng_bench_reads"
ROUTES = [
    "/",
    "/events/5",
    "/projects/1",
    "/events/5/live",
    "/api/v1/events/5/projects",
    "/api/v1/projects/1",
]
BYPASS = "minsheng_session=bench-render"  # any session cookie skips the shared cache
REDIS_SERVER = ["redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
README_START = "<!-- bench:reads:start -->"
README_END = "<!-- bench:reads:end -->"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(name: str) -> str:
    return urlunsplit(urlsplit(ADMIN_DSN)._replace(path=f"/{name}"))


class Redis:
    """A throwaway redis-server, so the bench never touches the shared one."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [*REDIS_SERVER, "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(0.5)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def flush(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "FLUSHDB"], capture_output=True)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def server_env(redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(BENCH_DB),
        "PICCOLO_CONF": "service.piccolo_conf",
        "MINSHENG_ENV": "production",
        "MAIL_TRANSPORT": "file",
        "RATE_LIMITS": "0",  # one load generator is every donor
        "SECRET_KEY": "bench-" + "x" * 40,
        "LOG_LEVEL": "WARNING",
        "MINSHENG_DATA_DIR": tempfile.mkdtemp(prefix="minsheng-bench-"),
        "REDIS_URL": redis_url,
        "OUTBOX_KICK": "0",
    }


async def prepare_database(redis_url: str) -> int:
    """A fresh database with the demo; the number of its pledges."""
    import asyncpg

    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{BENCH_DB}"')
    await admin.close()
    os.environ.update({k: v for k, v in server_env(redis_url).items() if k != "REDIS_URL"})
    sys.path.insert(0, str(ROOT))
    from service import db
    from service.cli import migrate_database
    from service.demo.loader import load_demo

    await migrate_database()
    await db.start_pool()
    try:
        await load_demo()
    finally:
        await db.close_pool()
    connection = await asyncpg.connect(database_url(BENCH_DB))
    try:
        return await connection.fetchval("SELECT COUNT(*) FROM pledge")
    finally:
        await connection.close()


GROW_ACCOUNTS = """
INSERT INTO ledger_account (code, type, name, event, project, created_at)
SELECT t.type || ':p' || p.id, t.type, t.type || ' / project ' || p.id, NULL, p.id, now()
FROM project p CROSS JOIN (VALUES ('receivable'), ('pledged')) AS t(type)
WHERE p.status <> 'draft'
ON CONFLICT (code) DO NOTHING
"""
GROW_PLEDGES = """
INSERT INTO pledge (id, event, project, donor, amount_fen, channel, status, whole_project,
  allow_general_fund, message, due_on, idempotency_key, request_hash, status_reason,
  recorded_by, created_at, closed_at, excess_of)
SELECT gen_random_uuid(), p.event, p.id, (SELECT id FROM donor LIMIT 1), 100 + g % 997,
  'online', 'pledged', false, false, 'bench-grow', current_date + 30, NULL, '', '', NULL,
  now(), NULL, NULL
FROM project p CROSS JOIN generate_series(1, $1) AS g
WHERE p.status <> 'draft'
"""
GROW_TRANSACTIONS = """
INSERT INTO ledger_transaction (id, seq, key, kind, event, project, memo, occurred_at,
  posted_at, prev_hash, hash)
SELECT gen_random_uuid(), h.s + row_number() OVER (ORDER BY pl.id), 'bench-grow:' || pl.id,
  'pledge_made', pl.event, pl.project, '', now(), now(), '',
  encode(sha256(convert_to(pl.id::text, 'UTF8')), 'hex')
FROM pledge pl, (SELECT COALESCE(MAX(seq), 0) AS s FROM ledger_transaction) h
WHERE pl.message = 'bench-grow'
"""
GROW_ENTRIES = """
INSERT INTO ledger_entry ("transaction", account, amount_fen, line, note)
SELECT t.id, a.id,
  CASE WHEN a.type = 'receivable' THEN pl.amount_fen ELSE -pl.amount_fen END,
  CASE WHEN a.type = 'receivable' THEN 0 ELSE 1 END, ''
FROM pledge pl
JOIN ledger_transaction t ON t.key = 'bench-grow:' || pl.id
JOIN ledger_account a ON a.code IN ('receivable:p' || pl.project, 'pledged:p' || pl.project)
WHERE pl.message = 'bench-grow'
"""


async def grow(factor: int, demo_pledges: int) -> int:
    """Add (factor − 1) × the demo's pledges, spread over every public project, each with
    its ledger transaction and entries, in bulk SQL; then rebuild the running balances
    as the migration does. (The bulk rows carry no valid hash chain: reads never check
    it.) Returns the pledges now in the database."""
    import importlib

    import asyncpg

    sys.path.insert(0, str(ROOT))
    backfill = importlib.import_module(
        "migrations.minsheng_2026_11_30t01_05_01_ledger_balance_backfill"
    ).BACKFILL
    connection = await asyncpg.connect(database_url(BENCH_DB))
    try:
        projects = await connection.fetchval("SELECT COUNT(*) FROM project WHERE status <> 'draft'")
        per_project = max(1, (factor - 1) * demo_pledges // projects)
        async with connection.transaction():
            await connection.execute(GROW_ACCOUNTS)
            await connection.execute(GROW_PLEDGES, per_project)
            await connection.execute(GROW_TRANSACTIONS)
            await connection.execute(GROW_ENTRIES)
            await connection.execute("DELETE FROM ledger_balance")
            await connection.execute(backfill)
        await connection.execute("VACUUM ANALYZE")
        return await connection.fetchval("SELECT COUNT(*) FROM pledge")
    finally:
        await connection.close()


def uvicorn(target: str, port: int, env: dict[str, str], *extra: str) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        *extra,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_ready(url: str) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


FRAME_PATH = r" \((?:.*site-packages/|.*/issue-\d+/|.*/main/)?(.*?):\d+\)$"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("bench/reads.py needs wrk: apt-get install wrk")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    return {"per_second": rate, "p50_ms": p50, "p99_ms": p99, "errors": errors}


def spy(pid: int, seconds: int) -> subprocess.Popen:
    binary = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    out = Path(tempfile.mkdtemp(prefix="minsheng-spy-")) / "reads.txt"
    command = [binary, "record", "--gil", "--rate", "200", "-f", "raw", "-d", str(seconds)]
    return subprocess.Popen(
        [*command, "--pid", str(pid), "--output", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def profile_summary(process: subprocess.Popen, limit: int = 35) -> str:
    process.wait()
    file = Path(process.args[process.args.index("--output") + 1])
    total, inclusive = 0, {}
    for line in file.read_text().splitlines() if file.exists() else []:
        stack, _, count = line.rpartition(" ")
        total += int(count)
        for frame in set(stack.split(";")):
            name = re.sub(
                r" \((?:.*site-packages/|.*/issue-\d+/|.*/main/)?(.*?):\d+\)$", r" [\1]", frame
            )
            inclusive[name] = inclusive.get(name, 0) + int(count)
    if not total:
        return "py-spy recorded nothing"
    ranked = sorted(((n, c) for n, c in inclusive.items() if c < 0.97 * total), key=lambda x: -x[1])
    lines = [f"{total} samples; inclusive share of each frame:"]
    lines += [f"  {100 * c / total:5.1f}%  {n}" for n, c in ranked[:limit]]
    return "\n".join(lines)


def measure(base: str, bare: str, args: argparse.Namespace) -> dict[str, dict]:
    results: dict[str, dict] = {}
    warm = max(1, args.seconds // 4)
    wrk(bare + "/", warm, args.connections, {})
    results["bare"] = wrk(bare + "/", args.seconds, args.connections, {})
    for route in ROUTES:
        accept = {"Accept": "text/html"} if not route.startswith("/api/") else {}
        wrk(base + route, warm, args.connections, accept)
        results[route] = wrk(base + route, args.seconds, args.connections, accept)
        rendered = {**accept, "Cookie": BYPASS}
        results[route + " (rendered)"] = wrk(base + route, args.seconds, args.connections, rendered)
    return results


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def table(runs: list[tuple[str, int, dict[str, dict], str]], args: argparse.Namespace) -> str:
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} CPU cores "
        "shared by both servers, wrk, PostgreSQL 15, Redis and other work; "
        f"`uv run python bench/reads.py --seconds {args.seconds} --connections "
        f"{args.connections} --grow {args.grow}`; one uvicorn worker each; "
        '"rendered" bypasses the shared cache (every request reads the database and renders).',
        "",
        "| data | route | requests/s | p50 ms | p99 ms | errors | share of bare Litestar |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for label, pledges, results, load in runs:
        bare = results["bare"]["per_second"]
        data = f"{label} ({pledges:,} pledges; load {load})"
        for route, row in results.items():
            share = row["per_second"] / bare if bare else 0
            lines.append(
                f"| {data} | `{route}` | {row['per_second']:,.0f} | {row['p50_ms']:.1f} "
                f"| {row['p99_ms']:.1f} | {row['errors']} | {share:.1%} |"
            )
    return "\n".join(lines)


def write_readme(text: str) -> None:
    readme = ROOT / "README.md"
    content = readme.read_text()
    block = f"{README_START}\n{text}\n{README_END}"
    if README_START in content:
        pattern = re.escape(README_START) + ".*?" + re.escape(README_END)
        content = re.sub(pattern, lambda _: block, content, flags=re.S)
    else:
        content = content.rstrip() + "\n\n" + block + "\n"
    readme.write_text(content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--grow", type=int, default=100, help="pledges × the demo's; 0 skips")
    parser.add_argument("--profile", metavar="ROUTE", help="py-spy one route, then stop")
    parser.add_argument(
        "--served", action="store_true", help="with --profile: as served (cache), not rendered"
    )
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()

    redis = Redis()
    servers: list[subprocess.Popen] = []
    try:
        demo_pledges = asyncio.run(prepare_database(redis.url))
        env = server_env(redis.url)
        port, bare_port = free_port(), free_port()
        base, bare = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
        servers.append(uvicorn("service.app:create_app", port, env, "--factory"))
        servers.append(uvicorn("bare_app:app", bare_port, env, "--app-dir", "bench"))
        wait_ready(base + "/healthz")
        wait_ready(bare + "/")
        if args.profile:
            headers = {"Accept": "text/html"} if args.served else {"Cookie": BYPASS}
            headers.setdefault("Accept", "text/html")
            wrk(base + args.profile, 2, args.connections, headers)
            profiler = spy(servers[0].pid, args.seconds)
            print(wrk(base + args.profile, args.seconds, args.connections, headers))
            print(profile_summary(profiler))
            return
        runs = [("demo", demo_pledges, measure(base, bare, args), load_average())]
        print(table(runs, args))
        if args.grow > 1:
            pledges = asyncio.run(grow(args.grow, demo_pledges))
            redis.flush()  # bulk SQL moved no content version: start the cache afresh
            runs.append((f"{args.grow}× demo", pledges, measure(base, bare, args), load_average()))
        text = table(runs, args)
        print(text)
        if args.write_readme:
            write_readme(text)
    finally:
        for server in servers:
            stop(server)
        redis.stop()


if __name__ == "__main__":
    main()
