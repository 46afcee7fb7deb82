"""One database pool per Celery worker process, kept between tasks and within
WORKER_DB_POOL_MAX; pools sized from settings and named in pg_stat_activity."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from celery import Celery

from tests.workers import PrivateRedis, worker


@pytest.fixture
def private_redis():
    server = PrivateRedis().start()
    yield server
    server.stop()


async def worker_connections(database_url: str) -> set[tuple[int, str]]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT pid, backend_start::text AS started FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = 'minsheng-worker'"
        )
    finally:
        await connection.close()
    return {(row["pid"], row["started"]) for row in rows}


async def test_a_worker_process_keeps_one_pool_across_tasks(clean_db, private_redis):
    proc = worker(
        {"REDIS_URL": private_redis.url, "WORKER_DB_POOL_MAX": "2", "OUTBOX_KICK": "0"},
        "--pool",
        "prefork",
        "--concurrency",
        "1",
    )
    client = Celery(broker=private_redis.url, backend=private_redis.url)
    try:

        async def run_check() -> None:
            result = client.send_task("tasks.ledger.check")
            outcome = await asyncio.to_thread(result.get, timeout=60)
            assert outcome["ok"] is True

        await run_check()
        first = await worker_connections(clean_db)
        for _ in range(4):
            await run_check()
        after = await worker_connections(clean_db)
    finally:
        output = proc.stop()
    # The pool outlives the task (a pool per task would leave no connection behind) and
    # the same connections served the next four tasks.
    assert first, output
    assert after == first
    assert len(first) <= 2
    # Closed with the process: PostgreSQL drops a backend shortly after its client goes
    # away, so allow it a moment on a busy machine.
    left = await worker_connections(clean_db)
    for _ in range(100):
        if not left:
            break
        await asyncio.sleep(0.2)
        left = await worker_connections(clean_db)
    assert left == set(), output


async def test_the_web_pool_is_sized_and_named_from_settings(clean_db):
    from service.db import get_engine
    from service.settings import SettingsError, get_settings, load_settings

    pool = get_engine().pool
    assert pool.get_max_size() == get_settings().ops.db_pool_max == 10
    connection = await asyncpg.connect(clean_db)
    try:
        names = await connection.fetch(
            "SELECT application_name FROM pg_stat_activity WHERE datname = current_database()"
        )
    finally:
        await connection.close()
    assert "minsheng-web" in {row["application_name"] for row in names}
    ops = load_settings({"DB_POOL_MIN": "1", "DB_POOL_MAX": "3"}).ops
    assert (ops.db_pool_min, ops.db_pool_max) == (1, 3)
    with pytest.raises(SettingsError, match="DB_POOL_MIN"):
        load_settings({"DB_POOL_MIN": "5", "DB_POOL_MAX": "3"})
