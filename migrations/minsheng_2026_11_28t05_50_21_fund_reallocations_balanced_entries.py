"""Issue 5: fund reallocations (source of `reallocation` postings), new ledger kinds and
account types (choices only), and on PostgreSQL a second deferred guard: a ledger
transaction row without balanced entries cannot commit."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import BigInt
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Text
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import UUID
from piccolo.columns.column_types import Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table
from piccolo.engine.finder import engine_finder
from piccolo.engine.sqlite import SQLiteEngine


class Project(Table, tablename="project", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


class StaffUser(Table, tablename="staff_user", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


ID = "2026-11-28T05:50:21:009128"
VERSION = "1.38.0"
DESCRIPTION = "fund reallocations; ledger transactions need balanced entries"

POSTGRES = [
    """
    CREATE FUNCTION ledger_transaction_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE total bigint; lines bigint;
    BEGIN
        SELECT coalesce(sum(amount_fen), 0), count(*) INTO total, lines
        FROM ledger_entry WHERE "transaction" = NEW.id;
        IF total <> 0 OR lines < 2 THEN
            RAISE EXCEPTION 'ledger transaction % is unbalanced: % entries summing to % fen',
                NEW.id, lines, total USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE CONSTRAINT TRIGGER ledger_transaction_balanced AFTER INSERT ON ledger_transaction
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION ledger_transaction_check_balanced()
    """,
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="minsheng", description=DESCRIPTION)

    manager.add_table(
        class_name="Reallocation",
        tablename="fund_reallocation",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="Reallocation",
        tablename="fund_reallocation",
        column_name="id",
        db_column_name="id",
        column_class_name="UUID",
        column_class=UUID,
        params={
            "default": UUID4(),
            "null": False,
            "primary_key": True,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Reallocation",
        tablename="fund_reallocation",
        column_name="project",
        db_column_name="project",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Project,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Reallocation",
        tablename="fund_reallocation",
        column_name="amount_fen",
        db_column_name="amount_fen",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Reallocation",
        tablename="fund_reallocation",
        column_name="reason",
        db_column_name="reason",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Reallocation",
        tablename="fund_reallocation",
        column_name="created_by",
        db_column_name="created_by",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": StaffUser,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Reallocation",
        tablename="fund_reallocation",
        column_name="created_at",
        db_column_name="created_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": TimestamptzNow(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.alter_column(
        table_class_name="Account",
        tablename="ledger_account",
        column_name="type",
        db_column_name="type",
        params={
            "choices": Enum(
                "Type",
                {
                    "receivable": "receivable",
                    "pledged": "pledged",
                    "cash": "cash",
                    "fees": "fees",
                    "refunded": "refunded",
                    "matched": "matched",
                    "pool": "pool",
                    "disbursed": "disbursed",
                    "reallocated": "reallocated",
                },
            )
        },
        old_params={
            "choices": Enum(
                "Type",
                {
                    "receivable": "receivable",
                    "pledged": "pledged",
                    "cash": "cash",
                    "fees": "fees",
                    "refunded": "refunded",
                    "matched": "matched",
                    "pool": "pool",
                    "disbursed": "disbursed",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="LedgerTransaction",
        tablename="ledger_transaction",
        column_name="kind",
        db_column_name="kind",
        params={
            "choices": Enum(
                "Kind",
                {
                    "pledge_made": "pledge_made",
                    "pledge_released": "pledge_released",
                    "payment_received": "payment_received",
                    "provider_fee": "provider_fee",
                    "payout": "payout",
                    "refund": "refund",
                    "pool_funded": "pool_funded",
                    "match_allocated": "match_allocated",
                    "disbursement": "disbursement",
                    "reallocation": "reallocation",
                    "reversal": "reversal",
                },
            )
        },
        old_params={
            "choices": Enum(
                "Kind",
                {
                    "pledge_made": "pledge_made",
                    "pledge_released": "pledge_released",
                    "payment_received": "payment_received",
                    "provider_fee": "provider_fee",
                    "refund": "refund",
                    "pool_funded": "pool_funded",
                    "match_allocated": "match_allocated",
                    "disbursement": "disbursement",
                    "reallocation": "reallocation",
                    "reversal": "reversal",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    async def run():
        engine = engine_finder()
        if not isinstance(engine, SQLiteEngine):
            for statement in POSTGRES:
                await engine.run_ddl(statement)

    manager.add_raw(run)

    return manager
