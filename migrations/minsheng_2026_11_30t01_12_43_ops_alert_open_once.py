"""One open alert per (kind, incident): concurrent checks cannot open (and mail) the same
incident twice."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-30T01:12:43:000017"
VERSION = "1.38.0"
DESCRIPTION = "ops alert open once"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="minsheng", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX ops_alert_open_once ON ops_alert (kind, incident) "
            "WHERE resolved_at IS NULL"
        )

    async def run_backwards():
        await engine_finder().run_ddl("DROP INDEX IF EXISTS ops_alert_open_once")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
