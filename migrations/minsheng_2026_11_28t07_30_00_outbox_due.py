"""An index for the outbox relay's claim: due rows of the topics that have a handler.

Rows of topics nobody consumes yet (live.*) stay undelivered; without this index every
claim walked all of them, so each relay got slower with every pledge.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-28T07:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "partial index on undelivered outbox rows by topic"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="minsheng", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(
            "CREATE INDEX outbox_due_by_topic ON outbox_message (topic, available_at) "
            "WHERE delivered_at IS NULL"
        )

    manager.add_raw(run)
    return manager
