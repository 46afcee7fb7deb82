"""`minsheng backup` then `minsheng restore` into a new database: the copy passes
`minsheng ledger verify --head <the head published before the backup>`."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from service.ledger.services import head
from tests import factories
from tests.conftest import ADMIN_DSN


def minsheng(*args: str, database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
    )


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture
async def new_database():
    name = f"minsheng_restore_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    yield urlunsplit(urlsplit(ADMIN_DSN)._replace(path=f"/{name}"))
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_backup_restores_into_a_new_database_that_verifies(clean_db, new_database, tmp_path):
    event = await factories.event()
    project = await factories.project(event.id)
    pledge = await factories.pledge(event.number, project, 50_000)
    await factories.bank_payment(pledge, 20_000)
    _seq, published = await head()

    dump = tmp_path / "minsheng.dump"
    made = minsheng("backup", "--output", str(dump), database_url=clean_db)
    assert made.returncode == 0, made.stderr
    assert dump.stat().st_size > 0

    restored = minsheng("restore", str(dump), database_url=new_database)
    assert restored.returncode == 0, restored.stderr
    verified = minsheng("ledger", "verify", "--head", published, database_url=new_database)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "ledger OK" in verified.stdout

    again = minsheng("restore", str(dump), database_url=new_database)
    assert again.returncode != 0 and "not empty" in again.stderr
    unknown = minsheng("ledger", "verify", "--head", "0" * 64, database_url=new_database)
    assert unknown.returncode == 1
