"""Running balances: one row per ledger account, moved by every posting (issue 15)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import BigInt, ForeignKey, Serial
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Account(Table, tablename="ledger_account", schema=None):
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


ID = "2026-11-30T01:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "ledger running balances table"

TABLE = "AccountBalance"
TABLENAME = "ledger_balance"


def _params(**overrides):
    params = {
        "default": 0,
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    params.update(overrides)
    return params


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="minsheng", description=DESCRIPTION)
    manager.add_table(class_name=TABLE, tablename=TABLENAME, schema=None, columns=None)
    manager.add_column(
        table_class_name=TABLE,
        tablename=TABLENAME,
        column_name="id",
        db_column_name="id",
        column_class_name="Serial",
        column_class=Serial,
        params=_params(default=None, primary_key=True),
        schema=None,
    )
    manager.add_column(
        table_class_name=TABLE,
        tablename=TABLENAME,
        column_name="account",
        db_column_name="account",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            **_params(default=None, unique=True, index=True),
            "references": Account,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
        },
        schema=None,
    )
    for name in ("balance_fen", "entries", "last_seq"):
        manager.add_column(
            table_class_name=TABLE,
            tablename=TABLENAME,
            column_name=name,
            db_column_name=name,
            column_class_name="BigInt",
            column_class=BigInt,
            params=_params(),
            schema=None,
        )
    return manager
