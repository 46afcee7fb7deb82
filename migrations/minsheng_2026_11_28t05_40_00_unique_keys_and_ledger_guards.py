"""Integrity the ORM cannot express: composite unique keys, and the ledger's guards.

On PostgreSQL a deferred constraint trigger refuses to commit a ledger transaction whose
entries do not sum to zero, and row triggers refuse UPDATE and DELETE of ledger rows.
SQLite gets the same immutability triggers; its balance check is the service's.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-11-28T05:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique keys and ledger guards"

COMMON = [
    "CREATE UNIQUE INDEX payment_provider_reference_unique "
    "ON payment (provider, provider_reference)",
    "CREATE UNIQUE INDEX receipt_event_number_unique ON receipt (event, number)",
    "CREATE UNIQUE INDEX receipt_payment_issued_unique ON receipt (payment) WHERE status <> 'void'",
    "CREATE UNIQUE INDEX match_allocation_pool_payment_unique ON match_allocation (pool, payment)",
    "CREATE INDEX pledge_project_status ON pledge (project, status)",
    "CREATE INDEX outbox_pending ON outbox_message (delivered_at, available_at)",
    "CREATE INDEX audit_object ON audit_log (object_type, object_id)",
]

POSTGRES = [
    """
    CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'ledger rows are immutable: % on % refused; post a reversal instead',
            TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
    END $$
    """,
    """
    CREATE TRIGGER ledger_transaction_immutable BEFORE UPDATE OR DELETE ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()
    """,
    """
    CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()
    """,
    """
    CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE total bigint; lines bigint;
    BEGIN
        SELECT coalesce(sum(amount_fen), 0), count(*) INTO total, lines
        FROM ledger_entry WHERE "transaction" = NEW."transaction";
        IF total <> 0 OR lines < 2 THEN
            RAISE EXCEPTION 'ledger transaction % is unbalanced: % entries summing to % fen',
                NEW."transaction", lines, total USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE CONSTRAINT TRIGGER ledger_entry_balanced AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced()
    """,
]

SQLITE = [
    f"""
    CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table}
    BEGIN SELECT RAISE(ABORT, 'ledger rows are immutable: post a reversal instead'); END
    """
    for table in ("ledger_transaction", "ledger_entry")
    for op in ("UPDATE", "DELETE")
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="minsheng", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        statements = COMMON + (SQLITE if isinstance(engine, SQLiteEngine) else POSTGRES)
        for statement in statements:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
