"""LedgerCheck.ok becomes a boolean (it was a VARCHAR(5) holding 'true' or 'false').

PostgreSQL converts the column in place; SQLite cannot change a column's type, so the
small table is rebuilt with the same columns. Backwards restores the text column.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-11-30T01:14:17:000000"
VERSION = "1.38.0"
DESCRIPTION = "ledger_check.ok as a boolean"

POSTGRES_FORWARDS = [
    "ALTER TABLE ledger_check ALTER COLUMN ok DROP DEFAULT",
    "ALTER TABLE ledger_check ALTER COLUMN ok TYPE BOOLEAN USING (ok = 'true')",
    "ALTER TABLE ledger_check ALTER COLUMN ok SET DEFAULT false",
]
POSTGRES_BACKWARDS = [
    "ALTER TABLE ledger_check ALTER COLUMN ok DROP DEFAULT",
    "ALTER TABLE ledger_check ALTER COLUMN ok TYPE VARCHAR(5) "
    "USING (CASE WHEN ok THEN 'true' ELSE 'false' END)",
    "ALTER TABLE ledger_check ALTER COLUMN ok SET DEFAULT ''",
]


def _sqlite_rebuild(ok_type: str, ok_value: str) -> list[str]:
    return [
        'CREATE TABLE "ledger_check_new" ("id" INTEGER PRIMARY KEY NOT NULL, '
        '"checked_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp, '
        f'"ok" {ok_type}, "head_hash" VARCHAR(64) NOT NULL DEFAULT \'\', '
        '"findings" TEXT NOT NULL DEFAULT \'\', "checked_through" TIMESTAMPTZ DEFAULT null)',
        'INSERT INTO "ledger_check_new" (id, checked_at, ok, head_hash, findings, '
        f"checked_through) SELECT id, checked_at, {ok_value}, head_hash, findings, "
        "checked_through FROM ledger_check",
        "DROP TABLE ledger_check",
        'ALTER TABLE "ledger_check_new" RENAME TO "ledger_check"',
    ]


SQLITE_FORWARDS = _sqlite_rebuild(
    "BOOLEAN NOT NULL DEFAULT false", "CASE WHEN ok = 'true' THEN 1 ELSE 0 END"
)
SQLITE_BACKWARDS = _sqlite_rebuild(
    "VARCHAR(5) NOT NULL DEFAULT ''", "CASE WHEN ok IN (1, '1') THEN 'true' ELSE 'false' END"
)


async def _run(postgres: list[str], sqlite: list[str]) -> None:
    engine = engine_finder()
    for statement in sqlite if isinstance(engine, SQLiteEngine) else postgres:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="minsheng", description=DESCRIPTION)

    async def run():
        await _run(POSTGRES_FORWARDS, SQLITE_FORWARDS)

    async def run_backwards():
        await _run(POSTGRES_BACKWARDS, SQLITE_BACKWARDS)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
