"""Pools created before pools had a funding step were funded when created."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-30T01:03:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "matching pools created before the funding step count as funded"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="minsheng", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(
            "UPDATE matching_pool SET funded_at = created_at WHERE funded_at IS NULL"
        )

    manager.add_raw(run)
    return manager
