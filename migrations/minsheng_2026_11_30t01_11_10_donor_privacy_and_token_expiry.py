"""Donors: when their contact was confirmed (a mailed link opened) and when their
personal data was erased; API tokens: when they expire."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T01:11:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "donor contact confirmation and erasure, API token expiry"


def _nullable_timestamp(help_text: str) -> dict:
    return {
        "default": None,
        "null": True,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        "help_text": help_text,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="minsheng", description=DESCRIPTION)
    for table_class, tablename, column, help_text in (
        ("Donor", "donor", "contact_confirmed_at", "When the donor opened a mailed link."),
        ("Donor", "donor", "erased_at", "When the donor's name and contact were erased."),
        ("ApiToken", "api_token", "expires_at", "The token is refused after this moment."),
    ):
        manager.add_column(
            table_class_name=table_class,
            tablename=tablename,
            column_name=column,
            db_column_name=column,
            column_class_name="Timestamptz",
            column_class=Timestamptz,
            params=_nullable_timestamp(help_text),
            schema=None,
        )
    return manager
