"""Running balances: every posting (whatever its kind, reversals included) moves its
accounts' `ledger_balance` rows in the same transaction; figures are read from them;
`ledger verify` and the periodic check catch a balance that no longer fits its entries;
the migration backfills them; the over-subscription check holds under concurrency."""

import asyncio
import importlib
import os
import sqlite3
import subprocess
import sys

import asyncpg

from service.errors import NotAllowed
from service.ledger import rules
from service.ledger.balances import (
    event_fund_figures,
    event_fund_figures_from_entries,
    project_fund_figures,
    project_pledged,
)
from service.ledger.checks import run_ledger_check
from service.ledger.running import balance_findings
from service.ledger.tables import LedgerCheck, LedgerEntry
from service.outbox.tables import OutboxMessage
from service.pledges.services import PledgeDraft, create_pledge
from service.projects.services import get_public_project
from tests import factories
from tests.ledger_world import build_world

BACKFILL = importlib.import_module(
    "migrations.minsheng_2026_11_30t01_05_01_ledger_balance_backfill"
).BACKFILL

PER_ACCOUNT = """
SELECT a.code AS code, b.balance_fen AS running, b.entries AS counted, b.last_seq AS last_seq,
       (SELECT COALESCE(SUM(e.amount_fen), 0) FROM ledger_entry e WHERE e.account = a.id) AS total,
       (SELECT COUNT(*) FROM ledger_entry e WHERE e.account = a.id) AS lines,
       (SELECT MAX(t.seq) FROM ledger_entry e JOIN ledger_transaction t ON t.id = e."transaction"
        WHERE e.account = a.id) AS newest
FROM ledger_account a LEFT JOIN ledger_balance b ON b.account = a.id ORDER BY a.code
"""


async def per_account() -> list[dict]:
    return await LedgerEntry.raw(PER_ACCOUNT)


def assert_rows_fit(rows: list[dict]) -> None:
    assert rows
    for row in rows:
        assert row["running"] is not None, f"{row['code']} has no running balance"
        assert (row["running"], row["counted"], row["last_seq"]) == (
            row["total"],
            row["lines"],
            row["newest"],
        ), row


async def raw_execute(sql: str, *args: object) -> None:
    connection = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        await connection.execute(sql, *args)
    finally:
        await connection.close()


async def test_every_posting_kind_and_reversals_move_the_running_balances(clean_db):
    world = await build_world()  # pledges, payments, fees-free refunds, matching, disbursement…
    payment_key = (
        await LedgerEntry.raw(
            "SELECT key FROM ledger_transaction WHERE kind = 'payment_received' "
            "ORDER BY seq LIMIT 1"
        )
    )[0]["key"]
    before = await project_fund_figures(world.projects[0])
    await rules.reversal(key=payment_key, reason="booked twice by mistake")
    await rules.reversal(key=payment_key, reason="replayed")  # a replay moves nothing
    kinds = {
        row["kind"] for row in await LedgerEntry.raw("SELECT DISTINCT kind FROM ledger_transaction")
    }
    assert {
        "pledge_made",
        "pledge_released",
        "payment_received",
        "refund",
        "pool_funded",
        "match_allocated",
        "disbursement",
        "reallocation",
        "reversal",
    } <= kinds
    assert_rows_fit(await per_account())
    assert await balance_findings() == []
    after = await project_fund_figures(world.projects[0])
    assert after.received == before.received - 600_000  # the reversed payment is unpaid again
    from_entries = await event_fund_figures_from_entries(world.event_id)
    assert {k: v.as_dict() for k, v in (await event_fund_figures(world.event_id)).items()} == {
        k: v.as_dict() for k, v in from_entries.items()
    }


async def test_figures_come_from_the_running_balances_and_checks_catch_a_drift(clean_db, client):
    world = await build_world()
    project = world.projects[1]
    shown = (await client.get(f"/api/v1/projects/{project}")).json()["totals"]["pledged"]
    assert shown == await project_pledged(project) == 300_000
    await raw_execute(
        "UPDATE ledger_balance SET balance_fen = balance_fen - 700 WHERE account = "
        "(SELECT id FROM ledger_account WHERE code = $1)",
        f"pledged:p{project}",
    )
    # Pages read the running balance (no sum over the entries behind it)…
    drifted = (await get_public_project(project))["totals"]["pledged"]
    assert drifted == shown + 700
    # …and both the periodic check and `ledger verify` name the account that drifted.
    finding = (
        f"running balance: account pledged:p{project}: running balance -300700 fen over 3 "
        "entries, but its entries sum to -300000 fen over 3"
    )
    result = await run_ledger_check(chain=True)
    assert not result.ok and finding in result.findings
    assert (await LedgerCheck.select(LedgerCheck.ok))[-1]["ok"] is False
    assert await OutboxMessage.count().where(OutboxMessage.topic == "alert.ledger") == 1
    verify = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "service", "ledger", "verify"],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verify.returncode == 1
    assert f"FAIL balance: {finding}" in verify.stderr


async def test_migration_backfills_balances_from_the_entries(clean_db):
    await build_world()
    await raw_execute("DELETE FROM ledger_balance")
    assert len(await balance_findings()) > 5  # every moved account is now off
    await raw_execute(BACKFILL)
    assert_rows_fit(await per_account())
    assert await balance_findings() == []


async def test_concurrent_pledges_stop_exactly_at_the_target(clean_db):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(100_000,))

    async def attempt(n: int) -> bool:
        draft = PledgeDraft(event.number, project, factories.donor_draft(f"D{n}"), 7_000)
        try:
            await create_pledge(draft, factories.TEST_ACTOR)
        except NotAllowed:
            return False
        return True

    accepted = await asyncio.gather(*(attempt(n) for n in range(30)))
    assert sum(accepted) == 100_000 // 7_000
    assert await project_pledged(project) == 7_000 * sum(accepted)
    assert await balance_findings() == []


def test_sqlite_postings_keep_running_balances_and_verify_catches_a_drift(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MINSHENG_DATA_DIR"}},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "MINSHENG_DATA_DIR": str(tmp_path / "var"),
    }

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "service", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    for step in (("migrate",), ("load-demo",)):
        done = cli(*step)
        assert done.returncode == 0, done.stderr
    good = cli("ledger", "verify")
    assert good.returncode == 0, good.stderr
    with sqlite3.connect(tmp_path / "demo.sqlite3") as db:
        moved = db.execute(
            "SELECT COUNT(*), SUM(b.entries) FROM ledger_balance b "
            "JOIN ledger_account a ON a.id = b.account"
        ).fetchone()
        entries = db.execute("SELECT COUNT(*) FROM ledger_entry").fetchone()[0]
        assert moved[0] > 23 and moved[1] == entries
        db.execute(
            "UPDATE ledger_balance SET balance_fen = balance_fen + 1 "
            "WHERE id = (SELECT MIN(id) FROM ledger_balance)"
        )
    bad = cli("ledger", "verify")
    assert bad.returncode == 1
    assert "FAIL balance: running balance: account" in bad.stderr
