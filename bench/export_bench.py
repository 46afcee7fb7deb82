"""Benchmark: export 1,000,000 journal entries, next to PostgreSQL's own COPY.

    uv run python bench/export_bench.py [--entries 1000000] [--keep]

Creates a scratch database on TEST_POSTGRES_URL's server, migrates it, bulk-loads an
edition whose ledger has N entries (N/2 two-line transactions, loaded with SQL and the
row triggers switched off: export speed is measured here, not posting), then in the same
run times

  1. `COPY (the journal export's own SELECT) TO STDOUT (FORMAT csv, HEADER)` into a file,
  2. `minsheng export ledger --event N --format csv -o FILE` as a child process (the real
     command: start-up, count for the progress bar, streaming, SHA-256, manifest),
  3. the same for xlsx and json,

and prints wall time and the child's peak resident memory (ru_maxrss). Nothing is
asserted: numbers go into README.md's Benchmarks section.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
ADMIN_DSN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
EVENT_NUMBER = 900

JOURNAL_SQL = (
    "SELECT t.seq, t.occurred_at, t.kind, t.key, t.id, t.project, a.code, a.type, "
    "CASE WHEN e.amount_fen > 0 THEN e.amount_fen ELSE 0 END, "
    "CASE WHEN e.amount_fen < 0 THEN -e.amount_fen ELSE 0 END, t.memo, t.hash "
    'FROM ledger_transaction t JOIN ledger_entry e ON e."transaction" = t.id '
    "JOIN ledger_account a ON a.id = e.account "
    "WHERE t.event = {event} AND t.seq <= {seq} ORDER BY t.seq, e.line"
)


def database_url(name: str) -> str:
    return urlunsplit(urlsplit(ADMIN_DSN)._replace(path=f"/{name}"))


CHILD = (
    "import atexit, resource, runpy, sys\n"
    "atexit.register(lambda: sys.stderr.write("
    "'PEAK_RSS_KIB=%d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
    "sys.argv = ['minsheng', *sys.argv[1:]]\n"
    "runpy.run_module('service', run_name='__main__')\n"
)


def cli(*args: str, env: dict[str, str]) -> tuple[float, int, str]:
    """Run the `minsheng` command in a child; wall seconds and the child's own peak RSS
    in KiB (reported by the child at exit)."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{args} failed:\n{result.stderr}")
    peak = int(result.stderr.rsplit("PEAK_RSS_KIB=", 1)[1].split()[0])
    return elapsed, peak, result.stdout


async def load(url: str, entries: int) -> int:
    connection = await asyncpg.connect(url)
    try:
        org = await connection.fetchval(
            "INSERT INTO organization (name, kind, uscc, contact, created_at) "
            "VALUES ('基准测试社区', 'community', NULL, '', now()) RETURNING id"
        )
        event = await connection.fetchval(
            "INSERT INTO event (number, title, summary, status, venue, oversubscription_rule, "
            "created_at) VALUES ($1, '基准测试', '', 'pledging', '', 'refuse', now()) "
            "RETURNING id",
            EVENT_NUMBER,
        )
        project = await connection.fetchval(
            "INSERT INTO project (event, owner_org, community, title, category, status, "
            "target_fen, created_at) VALUES ($1, $2, $2, '基准项目', 'other', 'published', "
            "100000000, now()) RETURNING id",
            event,
            org,
        )
        transactions = entries // 2
        async with connection.transaction():
            await connection.execute("SET LOCAL session_replication_role = replica")
            receivable, pledged = [
                await connection.fetchval(
                    "INSERT INTO ledger_account (code, type, name, project, created_at) "
                    "VALUES ($1, $2, $1, $3, now()) RETURNING id",
                    f"{kind}:p{project}",
                    kind,
                    project,
                )
                for kind in ("receivable", "pledged")
            ]
            await connection.execute(
                "INSERT INTO ledger_transaction (id, seq, key, kind, event, project, memo, "
                "occurred_at, posted_at, prev_hash, hash) "
                "SELECT md5('tx' || g)::uuid, g, 'bench:' || g, 'pledge_made', $1, $2, "
                "'认捐 第' || g || '笔', now() - g * interval '1 second', now(), "
                "lpad(to_hex(g - 1), 64, '0'), lpad(to_hex(g), 64, '0') "
                "FROM generate_series(1, $3) g",
                event,
                project,
                transactions,
            )
            await connection.execute(
                'INSERT INTO ledger_entry ("transaction", account, amount_fen, line, note) '
                "SELECT md5('tx' || g)::uuid, $1::integer, 1000 + g % 5000, 0, '' "
                "FROM generate_series(1, $3) g UNION ALL "
                "SELECT md5('tx' || g)::uuid, $2::integer, -(1000 + g % 5000), 1, '' "
                "FROM generate_series(1, $3) g",
                receivable,
                pledged,
                transactions,
            )
        await connection.execute("ANALYZE")
        return event
    finally:
        await connection.close()


async def copy_baseline(url: str, event_id: int, seq: int, target: Path) -> float:
    connection = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        await connection.copy_from_query(
            JOURNAL_SQL.format(event=event_id, seq=seq),
            output=str(target),
            format="csv",
            header=True,
        )
        return time.perf_counter() - started
    finally:
        await connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    options = parser.parse_args()
    name = f"minsheng_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = database_url(name)
    env = {**os.environ, "DATABASE_URL": url, "PICCOLO_CONF": "service.piccolo_conf"}
    env.pop("REDIS_URL", None)
    try:
        cli("migrate", env=env)
        started = time.perf_counter()
        event_id = await load(url, options.entries)
        print(f"loaded {options.entries:,} entries in {time.perf_counter() - started:.1f} s")
        seq = options.entries // 2
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            copy_s = await copy_baseline(url, event_id, seq, work / "copy.csv")
            copy_mb = (work / "copy.csv").stat().st_size / 1e6
            print(f"COPY TO STDOUT (csv)        {copy_s:6.2f} s   {copy_mb:7.1f} MB")
            results = {"entries": options.entries, "copy_s": round(copy_s, 2)}
            for fmt in ("csv", "xlsx", "json"):
                target = work / f"journal.{fmt}"
                seconds, peak_kib, _ = cli(
                    "export",
                    "ledger",
                    "--event",
                    str(EVENT_NUMBER),
                    "--format",
                    fmt,
                    "-o",
                    str(target),
                    env=env,
                )
                manifest = json.loads(Path(f"{target}.manifest.json").read_text())  # noqa: ASYNC240
                assert manifest["rows"] == options.entries
                assert manifest["debit_total_fen"] == manifest["credit_total_fen"]
                size = target.stat().st_size / 1e6
                inner = (
                    dt.datetime.fromisoformat(manifest["generated_at"])
                    - dt.datetime.fromisoformat(manifest["started_at"])
                ).total_seconds()
                print(
                    f"minsheng export ({fmt:4})      {seconds:6.2f} s   {size:7.1f} MB   "
                    f"{seconds / copy_s:4.2f}x COPY   (export itself {inner:6.2f} s, "
                    f"{inner / copy_s:4.2f}x)   peak RSS {peak_kib / 1024:6.1f} MB"
                )
                results[fmt] = {
                    "seconds": round(seconds, 2),
                    "export_seconds": round(inner, 2),
                    "peak_rss_mb": round(peak_kib / 1024, 1),
                }
            print(json.dumps(results))
    finally:
        if not options.keep:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
