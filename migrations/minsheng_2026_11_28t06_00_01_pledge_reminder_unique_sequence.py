"""One reminder per (pledge, sequence): concurrent schedule runs cannot both send it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-28T06:00:01:000007"
VERSION = "1.38.0"
DESCRIPTION = "pledge reminder unique sequence"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="minsheng", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX pledge_reminder_pledge_sequence_unique "
            "ON pledge_reminder (pledge, sequence)"
        )

    manager.add_raw(run)
    return manager
