"""Tampering: the database refuses edits to ledger rows in the first place; when someone
goes around the triggers (superuser, replica role), `verify` names the first bad row."""

import os
import subprocess
import sys
import uuid

import asyncpg
import pytest

from service.ledger.services import verify_chain
from service.ledger.tables import LedgerTransaction
from tests import factories


@pytest.fixture
async def ledger(clean_db):
    """Five transactions: two pledges, a payment, a partial payment, a general gift."""
    event = await factories.event()
    project = await factories.project(event.id)
    one = await factories.pledge(event.number, project, 10_000)
    await factories.bank_payment(one, 10_000)
    two = await factories.pledge(event.number, project, 20_000)
    await factories.bank_payment(two, 5_000)
    assert await LedgerTransaction.count() == 4
    return event


async def raw_connection() -> asyncpg.Connection:
    return await asyncpg.connect(os.environ["DATABASE_URL"])


async def tamper(*statements: str) -> None:
    """Run statements with triggers (and so the guards) switched off for this session."""
    connection = await raw_connection()
    try:
        async with connection.transaction():
            await connection.execute("SET LOCAL session_replication_role = replica")
            for statement in statements:
                await connection.execute(statement)
    finally:
        await connection.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entry SET amount_fen = amount_fen + 1",
        "UPDATE ledger_transaction SET memo = 'x' WHERE seq = 2",
        "DELETE FROM ledger_entry WHERE id = (SELECT max(id) FROM ledger_entry)",
        "DELETE FROM ledger_transaction WHERE seq = 4",
    ],
)
async def test_triggers_refuse_update_and_delete(ledger, statement):
    connection = await raw_connection()
    try:
        with pytest.raises(asyncpg.exceptions.IntegrityConstraintViolationError, match="immutable"):
            await connection.execute(statement)
    finally:
        await connection.close()
    assert (await verify_chain()).ok


async def test_unbalanced_or_empty_transactions_cannot_commit(ledger):
    connection = await raw_connection()
    account = await connection.fetchval("SELECT min(id) FROM ledger_account")
    try:
        for amounts in ((100, -99), (), (100,)):
            tx = uuid.uuid4()
            with pytest.raises(asyncpg.exceptions.CheckViolationError, match="unbalanced"):
                async with connection.transaction():
                    await connection.execute(
                        "INSERT INTO ledger_transaction (id, seq, key, kind, memo, occurred_at, "
                        "posted_at, prev_hash, hash) VALUES ($1, 99, $2, 'payout', '', now(), "
                        "now(), '', $2)",
                        tx,
                        tx.hex,
                    )
                    for line, amount in enumerate(amounts):
                        await connection.execute(
                            'INSERT INTO ledger_entry ("transaction", account, amount_fen, line, '
                            "note) VALUES ($1, $2, $3, $4, '')",
                            tx,
                            account,
                            amount,
                            line,
                        )
    finally:
        await connection.close()
    assert await LedgerTransaction.count() == 4


async def test_edited_amount_is_named(ledger):
    await tamper(
        "UPDATE ledger_entry SET amount_fen = amount_fen * 2 "
        'WHERE "transaction" = (SELECT id FROM ledger_transaction WHERE seq = 3)'
    )
    report = await verify_chain()
    assert not report.ok and report.first_bad_seq == 3
    assert "hash does not match" in report.problems[0]


async def test_edited_memo_and_balanced_edit_are_named(ledger):
    await tamper("UPDATE ledger_transaction SET memo = 'nothing to see' WHERE seq = 2")
    report = await verify_chain()
    assert not report.ok and report.first_bad_seq == 2


async def test_deleted_transaction_is_named(ledger):
    await tamper(
        'DELETE FROM ledger_entry WHERE "transaction" = '
        "(SELECT id FROM ledger_transaction WHERE seq = 2)",
        "DELETE FROM ledger_transaction WHERE seq = 2",
    )
    report = await verify_chain()
    assert not report.ok and report.first_bad_seq == 3
    assert "missing or out of order" in report.problems[0]


async def test_reordered_transactions_are_named(ledger):
    await tamper(
        "UPDATE ledger_transaction SET seq = 100 WHERE seq = 2",
        "UPDATE ledger_transaction SET seq = 2 WHERE seq = 3",
        "UPDATE ledger_transaction SET seq = 3 WHERE seq = 100",
    )
    report = await verify_chain()
    assert not report.ok and report.first_bad_seq == 2
    assert "prev_hash" in report.problems[0]


async def test_cli_verify_exits_non_zero_naming_the_row(ledger):
    def verify(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "service", "ledger", "verify", *extra],
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    head = (await LedgerTransaction.select().where(LedgerTransaction.seq == 4))[0]["hash"]
    good = verify("--head", head)
    assert good.returncode == 0, good.stderr
    assert "ledger OK: 4 transactions" in good.stdout and head in good.stdout
    # The newest transaction removed: the chain alone still fits; the published head does not.
    await tamper(
        'DELETE FROM ledger_entry WHERE "transaction" = '
        "(SELECT id FROM ledger_transaction WHERE seq = 4)",
        "DELETE FROM ledger_transaction WHERE seq = 4",
    )
    truncated = verify("--head", head, "--chain-only")
    assert truncated.returncode == 1
    assert f"published head {head} is not in the chain" in truncated.stderr
    await tamper("UPDATE ledger_transaction SET memo = 'x' WHERE seq = 3")
    bad = verify()
    assert bad.returncode == 1
    assert "FAIL transaction seq=3" in bad.stderr
    assert "balance: event" in bad.stderr  # the removed payment no longer matches its source
