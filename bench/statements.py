"""Benchmark: import a 50,000-line bank statement (GBK CSV and XLSX) with the real command.

    uv run python bench/statements.py [--lines 50000 10000]

For each size, in one run and on a scratch database (TEST_POSTGRES_URL's server,
migrated, one bank account registered through the CLI):

  1. the bare anchor: Python's csv module (GBK decode) and openpyxl's read-only iterator
     walking the same file in this process, nothing else;
  2. `minsheng import bank-statement FILE --account bench` as a child process (start-up,
     header search, parsing every cell, storing every line, proposing matches), its wall
     time, the import's own time as the command reports it, and the child's peak
     resident memory;
  3. the same file again (every line already imported: the overlap case).

Each import starts from a fresh database. Nothing is asserted; numbers go into README.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
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
sys.path.insert(0, str(ROOT))
from tests.statement_samples import Sample, ccb_xlsx, icbc_csv  # noqa: E402

ADMIN_DSN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CHILD = (
    "import atexit, resource, runpy, sys\n"
    "atexit.register(lambda: sys.stderr.write("
    "'PEAK_RSS_KIB=%d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
    "sys.argv = ['minsheng', *sys.argv[1:]]\n"
    "runpy.run_module('service', run_name='__main__')\n"
)


def cli(*args: str, env: dict[str, str]) -> tuple[float, int, str]:
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
        raise SystemExit(f"{args} failed:\n{result.stderr[-3000:]}")
    peak = int(result.stderr.rsplit("PEAK_RSS_KIB=", 1)[1].split()[0])
    return elapsed, peak, result.stdout.strip()


def lines(count: int) -> list[Sample]:
    start = dt.datetime(2026, 11, 1, 8, 0, 0)
    out = []
    for i in range(count):
        amount = (i % 97 + 1) * 1_000 if i % 10 else -((i % 7 + 1) * 100)
        out.append(
            Sample(
                start + dt.timedelta(seconds=37 * i),
                amount,
                f"付款人{i % 5000}",
                f"62220000{i:011d}",
                f"捐款 第{i}笔",
                0,
                f"{i:08d}",
            )
        )
    return out


def anchor_csv(path: Path) -> float:
    started = time.perf_counter()
    with path.open(encoding="gb18030", newline="") as handle:
        for _ in csv.reader(handle):
            pass
    return time.perf_counter() - started


def anchor_xlsx(path: Path) -> float:
    from openpyxl import load_workbook

    started = time.perf_counter()
    book = load_workbook(path, read_only=True, data_only=True)
    for _ in book.worksheets[0].iter_rows(values_only=True):
        pass
    book.close()
    return time.perf_counter() - started


async def fresh_database() -> tuple[str, str]:
    name = f"minsheng_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return name, urlunsplit(urlsplit(ADMIN_DSN)._replace(path=f"/{name}"))


async def drop(name: str) -> None:
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


async def measure(path: Path, count: int, anchor: float, size: int) -> dict:
    name, url = await fresh_database()
    env = {**os.environ, "DATABASE_URL": url, "PICCOLO_CONF": "service.piccolo_conf"}
    env.pop("REDIS_URL", None)
    try:
        cli("migrate", env=env)
        cli("statements", "add-account", "bench", "--number", "33050161234500001234", env=env)
        first_s, first_kib, said = cli(
            "import", "bank-statement", str(path), "--account", "bench", env=env
        )
        again_s, again_kib, said_again = cli(
            "import", "bank-statement", str(path), "--account", "bench", env=env
        )
    finally:
        await drop(name)
    inner = float(said.rsplit("; ", 1)[1].split()[0])
    inner_again = float(said_again.rsplit("; ", 1)[1].split()[0])
    return {
        "inner_s": inner,
        "inner_again_s": inner_again,
        "file": path.name,
        "lines": count,
        "mb": size / 1e6,
        "anchor_s": anchor,
        "import_s": first_s,
        "import_lps": count / inner,
        "import_mib": first_kib / 1024,
        "again_s": again_s,
        "again_mib": again_kib / 1024,
        "said": said,
        "said_again": said_again,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, nargs="+", default=[50_000, 10_000])
    options = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for count in options.lines:
            sample = lines(count)
            csv_path = Path(folder) / f"icbc-{count}.csv"
            csv_path.write_bytes(icbc_csv(sample))
            xlsx_path = Path(folder) / f"ccb-{count}.xlsx"
            xlsx_path.write_bytes(ccb_xlsx(sample))
            for path, anchor in ((csv_path, anchor_csv), (xlsx_path, anchor_xlsx)):
                size = path.stat().st_size
                results.append(await measure(path, count, anchor(path), size))
    print(
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; "
        f"`uv run python bench/statements.py --lines {' '.join(map(str, options.lines))}`\n"
    )
    print(
        "| file | lines | MB | bare reader s | import s (command) | import itself s | lines/s "
        "| itself / bare | peak MiB | re-import itself s | peak MiB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['file']} | {r['lines']:,} | {r['mb']:.1f} | {r['anchor_s']:.2f} | "
            f"{r['import_s']:.1f} | {r['inner_s']:.1f} | {r['import_lps']:,.0f} | "
            f"{r['inner_s'] / r['anchor_s']:.1f}× | {r['import_mib']:.0f} | "
            f"{r['inner_again_s']:.1f} | {r['again_mib']:.0f} |"
        )
    for r in results:
        print(f"\n{r['file']}: {r['said']}\n  again: {r['said_again']}")


if __name__ == "__main__":
    asyncio.run(main())
