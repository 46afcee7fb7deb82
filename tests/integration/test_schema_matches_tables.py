"""The schema the migrations build is the one the tables declare: every column, its type
and whether it may be empty, on PostgreSQL and on SQLite; and the newest migration steps
back and forth."""

from __future__ import annotations

import importlib
import os
import sqlite3
import subprocess
import sys
import uuid

import asyncpg
from piccolo.columns import Column

from service.ledger.tables import LedgerCheck
from service.piccolo_app import APP_CONFIG
from tests.conftest import ADMIN_DSN, _database_url

BOOLEAN_STEP = importlib.import_module(
    "migrations.minsheng_2026_11_30t01_14_17_ledger_check_ok_boolean"
)

POSTGRES_TYPES = {
    "int4": "INTEGER",
    "int8": "BIGINT",
    "bool": "BOOLEAN",
    "text": "TEXT",
    "uuid": "UUID",
    "date": "DATE",
    "timestamptz": "TIMESTAMPTZ",
    "timestamp": "TIMESTAMP",
    "jsonb": "JSONB",
    "json": "JSON",
    "numeric": "NUMERIC",
    "bytea": "BYTEA",
    "float8": "DOUBLE PRECISION",
}
SERIALS = {"SERIAL": "INTEGER", "BIGSERIAL": "BIGINT"}
SQLITE_TYPES = {"BIGINT": "INTEGER"}


def declared(column: Column) -> tuple[str, bool]:
    """(type, nullable) as the table class declares the column."""
    kind = column.column_type.upper()
    kind = SERIALS.get(kind, kind)
    return kind, bool(column._meta.null) and not column._meta.primary_key


def expected() -> dict[tuple[str, str], tuple[str, bool]]:
    return {
        (table._meta.tablename, column._meta.db_column_name): declared(column)
        for table in APP_CONFIG.table_classes
        for column in table._meta.columns
    }


async def test_postgres_schema_matches_the_tables(database):
    rows = await LedgerCheck.raw(
        "SELECT table_name, column_name, udt_name, character_maximum_length AS length, "
        "is_nullable FROM information_schema.columns WHERE table_schema = 'public'"
    )
    tables = {table._meta.tablename for table in APP_CONFIG.table_classes}
    actual = {}
    for row in rows:
        if row["table_name"] not in tables:
            continue
        kind = POSTGRES_TYPES.get(row["udt_name"], row["udt_name"].upper())
        if row["udt_name"] == "varchar":
            kind = f"VARCHAR({row['length']})"
        actual[(row["table_name"], row["column_name"])] = (kind, row["is_nullable"] == "YES")
    assert actual == expected()


def _cli(*args: str, env: dict[str, str], cwd: str) -> None:
    result = subprocess.run(
        [*args],
        env={**os.environ, **env, "PICCOLO_CONF": "service.piccolo_conf"},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _sqlite_schema(path: str) -> dict[tuple[str, str], tuple[str, bool]]:
    connection = sqlite3.connect(path)
    try:
        schema = {}
        for table in APP_CONFIG.table_classes:
            name = table._meta.tablename
            for _cid, column, kind, notnull, _default, pk in connection.execute(
                f'PRAGMA table_info("{name}")'
            ):
                schema[(name, column)] = (
                    SERIALS.get(kind.upper(), kind.upper()),
                    not (notnull or pk),
                )
        return schema
    finally:
        connection.close()


def test_sqlite_schema_matches_the_tables_and_the_boolean_step_goes_back(tmp_path):
    db_file = tmp_path / "schema.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{db_file}", "MINSHENG_DATA_DIR": str(tmp_path)}
    _cli(sys.executable, "-m", "service", "migrate", env=env, cwd=str(tmp_path))
    # SQLite declares Piccolo's BigInt as INTEGER (its integers are 64-bit anyway).
    want = {key: (SQLITE_TYPES.get(kind, kind), null) for key, (kind, null) in expected().items()}
    assert _sqlite_schema(str(db_file)) == want

    # The ok-as-boolean step alone, backwards and forwards again (later migrations of other
    # tables are not this test's business).
    connection = sqlite3.connect(db_file)
    try:
        connection.execute("INSERT INTO ledger_check (ok, head_hash) VALUES (1, 'a'), (0, 'b')")
        for statement in BOOLEAN_STEP.SQLITE_BACKWARDS:
            connection.execute(statement)
        connection.commit()
        assert connection.execute("SELECT ok FROM ledger_check ORDER BY id").fetchall() == [
            ("true",),
            ("false",),
        ]
        for statement in BOOLEAN_STEP.SQLITE_FORWARDS:
            connection.execute(statement)
        connection.commit()
        assert connection.execute("SELECT ok FROM ledger_check ORDER BY id").fetchall() == [
            (1,),
            (0,),
        ]
    finally:
        connection.close()
    assert _sqlite_schema(str(db_file)) == want


async def test_postgres_ok_column_goes_back_to_text_and_forwards_again(tmp_path):
    name = f"minsheng_schema_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    env = {"DATABASE_URL": _database_url(name), "MINSHENG_DATA_DIR": str(tmp_path)}
    try:
        _cli(sys.executable, "-m", "service", "migrate", env=env, cwd=str(tmp_path))
        connection = await asyncpg.connect(_database_url(name))
        try:
            await connection.execute(
                "INSERT INTO ledger_check (ok, head_hash) VALUES (true, 'a'), (false, 'b')"
            )
            for statement in BOOLEAN_STEP.POSTGRES_BACKWARDS:
                await connection.execute(statement)
            rows = await connection.fetch("SELECT ok FROM ledger_check ORDER BY id")
            assert [r["ok"] for r in rows] == ["true", "false"]
            for statement in BOOLEAN_STEP.POSTGRES_FORWARDS:
                await connection.execute(statement)
            rows = await connection.fetch("SELECT ok FROM ledger_check ORDER BY id")
            assert [r["ok"] for r in rows] == [True, False]
        finally:
            await connection.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
