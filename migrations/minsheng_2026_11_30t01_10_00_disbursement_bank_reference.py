"""A bank reference pays one disbursement only. ALTER TABLE cannot add a unique column on
SQLite, so the column came without the constraint and the unique index follows here."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-30T01:10:00:000013"
VERSION = "1.38.0"
DESCRIPTION = "unique disbursement bank reference"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="minsheng", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX disbursement_bank_reference_unique "
            "ON disbursement (bank_reference)"
        )

    async def back():
        await engine_finder().run_ddl("DROP INDEX disbursement_bank_reference_unique")

    manager.add_raw(run)
    manager.add_raw_backwards(back)
    return manager
