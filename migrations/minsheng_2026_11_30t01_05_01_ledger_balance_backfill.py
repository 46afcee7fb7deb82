"""Running balances for the postings made before they existed: one row per account,
the sum and count of its entries and the chain position of its last posting."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-30T01:05:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "ledger running balances from the entries"

BACKFILL = """
INSERT INTO ledger_balance (account, balance_fen, entries, last_seq)
SELECT a.id, COALESCE(SUM(e.amount_fen), 0), COUNT(e.id), COALESCE(MAX(t.seq), 0)
FROM ledger_account a
LEFT JOIN ledger_entry e ON e.account = a.id
LEFT JOIN ledger_transaction t ON t.id = e."transaction"
WHERE a.id NOT IN (SELECT account FROM ledger_balance)
GROUP BY a.id
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="minsheng", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(BACKFILL)

    async def undo():
        await engine_finder().run_ddl("DELETE FROM ledger_balance")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
