"""`minsheng migrate` takes an empty PostgreSQL database and an empty SQLite file to the
latest schema, through the real command line."""

import os
import sqlite3
import subprocess
import sys
import uuid

import asyncpg

from service.piccolo_app import APP_CONFIG
from tests.conftest import ADMIN_DSN, _database_url

EXPECTED = {t._meta.tablename for t in APP_CONFIG.table_classes}


def run_cli(*args: str, env: dict[str, str], cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_empty_sqlite_file(tmp_path):
    db_file = tmp_path / "fresh.sqlite3"
    result = run_cli("migrate", env={"DATABASE_URL": f"sqlite:///{db_file}"}, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    tables = {
        row[0]
        for row in sqlite3.connect(db_file).execute(
            "SELECT name FROM sqlite_master WHERE type='table'"
        )
    }
    assert tables >= EXPECTED
    triggers = {
        row[0]
        for row in sqlite3.connect(db_file).execute(
            "SELECT name FROM sqlite_master WHERE type='trigger'"
        )
    }
    assert "ledger_entry_no_update" in triggers

    again = run_cli("migrate", env={"DATABASE_URL": f"sqlite:///{db_file}"}, cwd=str(tmp_path))
    assert again.returncode == 0, again.stderr


async def test_migrate_empty_postgres_database(tmp_path):
    name = f"minsheng_migrate_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        result = run_cli("migrate", env={"DATABASE_URL": _database_url(name)}, cwd=str(tmp_path))
        assert result.returncode == 0, result.stderr
        connection = await asyncpg.connect(_database_url(name))
        try:
            rows = await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
            assert {r["tablename"] for r in rows} >= EXPECTED
            triggers = await connection.fetch(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            )
            assert {"ledger_entry_balanced", "ledger_entry_immutable"} <= {
                t["tgname"] for t in triggers
            }
            indexes = await connection.fetch("SELECT indexname FROM pg_indexes")
            assert "outbox_due_by_topic" in {i["indexname"] for i in indexes}
        finally:
            await connection.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
