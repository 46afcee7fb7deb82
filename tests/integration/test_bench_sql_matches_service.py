"""bench/pledge_txn.sql is pgbench's copy of the transaction the service runs for one
online pledge. This test records the statements the service actually sends to
PostgreSQL for that request (asyncpg's query logger) and compares them, statement by
statement, with the script: same order, same tables, same inserted columns and rows,
same lookups and locks. A change to the pledge path that the script does not follow
fails here, so the benchmark's anchor cannot drift silently."""

from __future__ import annotations

import re
from pathlib import Path

import asyncpg

from service.db import _keep_session, get_engine
from tests import factories
from tests.pledge_helpers import pledge_body

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "pledge_txn.sql"


def script_statements(text: str) -> list[str]:
    """The SQL statements of a pgbench script (meta-commands and comments left out; a
    statement ends with `;` or with pgbench's `\\gset`)."""
    statements, current = [], []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("--", "\\set")):
            continue
        if stripped.endswith("\\gset"):
            current.append(stripped.removesuffix("\\gset"))
            statements.append(" ".join(current))
            current = []
        elif stripped.endswith(";"):
            current.append(stripped.removesuffix(";"))
            statements.append(" ".join(current))
            current = []
        else:
            current.append(stripped)
    assert not current, f"unterminated statement: {current}"
    return statements


def _without_strings(sql: str) -> str:
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


def _rows_after_values(sql: str) -> int:
    """How many row tuples follow VALUES (nested parentheses are not rows)."""
    tail = sql.split(" values ", 1)[1]
    rows, depth = 0, 0
    for char in tail:
        if char == "(":
            rows += depth == 0
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and char not in " ,":
            break
    return rows


def shape(sql: str) -> tuple:
    """What a statement does, leaving out values and how they are spelled."""
    text = " ".join(_without_strings(sql).replace('"', "").lower().split()).rstrip(";")
    verb = text.split(" ", 1)[0]
    if verb in ("begin", "commit"):
        return (verb,)
    if verb == "insert":
        match = re.match(r"insert into (\w+) \(([^)]*)\)", text)
        assert match, text
        columns = tuple(c.strip() for c in match.group(2).split(","))
        return (
            "insert",
            match.group(1),
            columns,
            _rows_after_values(text),
            "on conflict" in text,
            "returning" in text,
        )
    tables = tuple(sorted(set(re.findall(r"\b(?:from|join)\s+([a-z_]+)", text))))
    compared = tuple(sorted(set(re.findall(r"(?:\w+\.)?([a-z_]+)\s*(?:=|\bin\b)\s*[^=]", text))))
    functions = tuple(sorted(set(re.findall(r"\b(pg_\w+)\(", text))))
    return ("select", tables, compared, "for update" in text, functions)


async def service_statements(client) -> list[str]:
    """Every statement the service sends for one online pledge like the benchmark's."""
    event = await factories.event()
    project = await factories.project(event.id)
    await factories.pledge(event.number, project, 500)  # accounts and chain head exist
    engine = get_engine()
    seen: list[str] = []

    async def log_queries(connection: asyncpg.Connection) -> None:
        connection.add_query_logger(lambda record: seen.append(record.query))

    shared = engine.pool
    engine.pool = await asyncpg.create_pool(
        **engine.config, min_size=1, max_size=2, init=log_queries, reset=_keep_session
    )
    try:
        response = await client.post(
            "/api/v1/pledges",
            json={**pledge_body(event.number, project, 12_345), "message": "一起把好事办好"},
            headers={"Idempotency-Key": "bench-shape-0001"},
        )
        assert response.status_code == 201, response.text
    finally:
        await engine.pool.close()
        engine.pool = shared
    return seen


async def test_the_benchmark_script_runs_what_the_service_sends(client):
    sent = [shape(sql) for sql in await service_statements(client)]
    scripted = [shape(sql) for sql in script_statements(SCRIPT.read_text(encoding="utf-8"))]
    assert scripted == sent


def test_the_shape_sees_a_difference():
    insert = "INSERT INTO pledge (id, amount_fen) VALUES ($1, $2), ($3, $4)"
    assert shape(insert) == ("insert", "pledge", ("id", "amount_fen"), 2, False, False)
    assert shape(insert) != shape("INSERT INTO pledge (id, amount_fen) VALUES ($1, $2)")
    assert shape("SELECT id FROM pledge WHERE idempotency_key = $1") == shape(
        "SELECT k, (SELECT id FROM pledge WHERE idempotency_key = k) FROM (SELECT 1 AS k) s"
    )
    assert shape("SELECT * FROM project p WHERE p.id = $1 FOR UPDATE OF p") != shape(
        "SELECT * FROM project p WHERE p.id = $1"
    )
    assert script_statements("\\set a 1\nBEGIN;\nSELECT 1 AS x\n  FROM t \\gset\nCOMMIT;") == [
        "BEGIN",
        "SELECT 1 AS x FROM t ",
        "COMMIT",
    ]
