"""Receipts per second for one Celery worker process (issue + PDF + mail to a local SMTP
sink), and the share of that time spent rendering the PDF.

    uv run python bench/receipts.py [COUNT]      # default 300

Needs PostgreSQL and Redis like the tests (TEST_POSTGRES_URL, BENCH_REDIS_URL, default
redis://127.0.0.1:6379/9 — that database is flushed). Creates and drops its own database.
Results are printed; copy them into README.md's Benchmarks section.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN_DSN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
DB_NAME = f"minsheng_bench_receipts_{os.getpid()}"
os.environ.update(
    DATABASE_URL=urlunsplit(urlsplit(ADMIN_DSN)._replace(path=f"/{DB_NAME}")),
    MINSHENG_DATA_DIR=tempfile.mkdtemp(prefix="minsheng-bench-"),
    PICCOLO_CONF="service.piccolo_conf",
    OUTBOX_KICK="0",  # this process only prepares data; the worker does the work
    LOG_LEVEL="WARNING",
)
os.environ.pop("REDIS_URL", None)


async def admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def prepare(count: int) -> None:
    from service import db
    from service.cli import migrate_database
    from tests import factories

    await admin(f'CREATE DATABASE "{DB_NAME}"')
    await migrate_database()
    await db.start_pool()
    event = await factories.event(number=5)
    project = await factories.project(event.id, budget_fen=(count * 100_000,))
    for index in range(count):
        amount = 10_000 + index * 137
        await factories.bank_payment(await factories.pledge(5, project, amount), amount)


async def render_seconds() -> tuple[int, float]:
    """Time spent in render_receipt alone for every receipt the worker produced."""
    from service.receipts.documents import receipt_document
    from service.receipts.pdf import register_font, render_receipt
    from service.receipts.tables import Receipt
    from service.settings import get_settings

    settings = get_settings()
    register_font()  # once per worker process, not per receipt
    documents = [
        await receipt_document(row["id"], settings.receipt_issuer)
        for row in await Receipt.select(Receipt.id)
    ]
    started = time.perf_counter()
    for document in documents:
        render_receipt(document, settings.base_url)
    return len(documents), time.perf_counter() - started


def main() -> None:
    import redis
    from celery import Celery

    from tasks.outbox import send_kick
    from tests.mailsink import MailSink
    from tests.workers import worker

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    redis.Redis.from_url(REDIS_URL).flushdb()
    loop = asyncio.new_event_loop()
    sink = MailSink().start()
    proc = None
    try:
        loop.run_until_complete(prepare(count))
        proc = worker(
            {"REDIS_URL": REDIS_URL, "SMTP_URL": sink.url, "OUTBOX_KICK": "1", "LOG_LEVEL": "INFO"},
            "--pool",
            "solo",
        )
        time.sleep(1)  # let the start-up relay (nothing to do) finish
        started = time.perf_counter()
        send_kick(Celery(broker=REDIS_URL))
        sink.wait_for(count, timeout=600)
        elapsed = time.perf_counter() - started
        assert len(sink.messages) == count, f"{len(sink.messages)} mails for {count} payments"
        rendered, render_s = loop.run_until_complete(render_seconds())
        assert rendered == count
        print(f"receipts:        {count}")
        print(f"wall time:       {elapsed:.2f} s")
        print(f"receipts/second: {count / elapsed:.1f}  (one worker process, solo pool)")
        print(
            f"PDF rendering:   {render_s / count * 1000:.1f} ms per receipt, "
            f"{render_s / elapsed * 100:.0f}% of the time"
        )
        print(f"PDF size:        {len(next(sink.messages[0].iter_attachments()).get_content())} B")
    finally:
        if proc is not None:
            proc.stop()
        sink.stop()
        from service import db

        loop.run_until_complete(db.close_pool())
        loop.run_until_complete(admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        loop.close()


if __name__ == "__main__":
    main()
