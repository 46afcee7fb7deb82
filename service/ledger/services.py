"""Posting to the ledger, deriving balances from it, and verifying its hash chain.

Every money movement goes through `post`: one balanced transaction whose id is derived
from its source key, so posting the same source twice is a no-op. Transactions are
chained: each stores the hash of its predecessor, so any edit, removal or reordering of
rows is detected by `verify_chain`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from service.db import get_engine, is_sqlite, write_transaction
from service.errors import NotFound
from service.ledger.accounts import AccountRef, Line, ref_from_account
from service.ledger.records import ChainTransaction
from service.ledger.running import insert_entries
from service.ledger.tables import Account, LedgerEntry, LedgerTransaction

GENESIS_HASH = "0" * 64
LEDGER_NAMESPACE = uuid.UUID("6f1d3c1e-8a51-4f7e-9d0b-6b1f0e7c2a55")
# Any constant works: it names the advisory lock that serializes the chain's head.
CHAIN_LOCK_ID = 7_305_001


class LedgerError(ValueError):
    """A posting that would break an invariant (unbalanced, empty, non-integer)."""


@dataclass(frozen=True)
class Posted:
    transaction_id: uuid.UUID
    seq: int
    created: bool
    """False when the key had been posted before: nothing was written."""


def transaction_id_for(key: str) -> uuid.UUID:
    return uuid.uuid5(LEDGER_NAMESPACE, key)


def _utc_text(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def transaction_hash(
    *,
    seq: int,
    transaction_id: uuid.UUID,
    key: str,
    kind: str,
    event_id: int | None,
    project_id: int | None,
    memo: str,
    occurred_at: dt.datetime,
    prev_hash: str,
    entries: Sequence[tuple[str, int]],
) -> str:
    """SHA-256 over a canonical JSON form of the row, its entries and its predecessor."""
    body = {
        "seq": seq,
        "id": str(transaction_id),
        "key": key,
        "kind": kind,
        "event": event_id,
        "project": project_id,
        "memo": memo,
        "occurred_at": _utc_text(occurred_at),
        "prev": prev_hash,
        "entries": [[code, amount] for code, amount in entries],
    }
    canonical = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_lines(lines: Sequence[Line]) -> None:
    if len(lines) < 2:
        raise LedgerError("a transaction needs at least two entries")
    for line in lines:
        if type(line.amount_fen) is not int:
            raise LedgerError(f"amount for {line.account.code} is not integer fen")
        if line.amount_fen == 0:
            raise LedgerError(f"zero entry for {line.account.code}")
    total = sum(line.amount_fen for line in lines)
    if total != 0:
        raise LedgerError(f"entries sum to {total} fen, not zero")


async def _lock_chain() -> None:
    """Serialize posting: the head's seq and hash must be read and extended atomically.
    SQLite's BEGIN IMMEDIATE already holds the write lock."""
    if not is_sqlite():
        await get_engine().run_ddl(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK_ID})")


async def account_ids(refs: Sequence[AccountRef]) -> dict[str, int]:
    """Row ids for the accounts, creating the ones that do not exist yet."""
    codes = sorted({ref.code for ref in refs})
    rows = await Account.select(Account.id, Account.code).where(Account.code.is_in(codes))
    found = {row["code"]: row["id"] for row in rows}
    missing = [ref for ref in {r.code: r for r in refs}.values() if ref.code not in found]
    if missing:
        await Account.insert(
            *[
                Account(
                    code=ref.code,
                    type=ref.type.value,
                    name=ref.name,
                    event=ref.event_id,
                    project=ref.project_id,
                )
                for ref in missing
            ]
        ).on_conflict(target=Account.code, action="DO NOTHING")
        rows = await Account.select(Account.id, Account.code).where(
            Account.code.is_in([ref.code for ref in missing])
        )
        found.update({row["code"]: row["id"] for row in rows})
    return found


async def head() -> tuple[int, str]:
    """(seq, hash) of the newest transaction; (0, zeros) for an empty ledger."""
    row = (
        await LedgerTransaction.select(LedgerTransaction.seq, LedgerTransaction.hash)
        .order_by(LedgerTransaction.seq, ascending=False)
        .first()
    )
    return (row["seq"], row["hash"]) if row else (0, GENESIS_HASH)


async def _position(
    transaction_id: uuid.UUID, codes: Sequence[str]
) -> tuple[int | None, int, str, int]:
    """(seq of this transaction if posted, head seq, head hash, how many of `codes` exist)."""
    marks = ", ".join("{}" for _ in codes)  # placeholders only: nothing from input
    sql = (
        "SELECT (SELECT seq FROM ledger_transaction WHERE id = {}) AS existing, "  # noqa: S608
        "(SELECT seq FROM ledger_transaction ORDER BY seq DESC LIMIT 1) AS head_seq, "
        "(SELECT hash FROM ledger_transaction ORDER BY seq DESC LIMIT 1) AS head_hash, "
        f"(SELECT COUNT(*) FROM ledger_account WHERE code IN ({marks})) AS accounts"
    )
    (row,) = await LedgerTransaction.raw(sql, transaction_id, *codes)
    if row["head_seq"] is None:
        return row["existing"], 0, GENESIS_HASH, row["accounts"]
    return row["existing"], row["head_seq"], row["head_hash"], row["accounts"]


async def post(
    *,
    key: str,
    kind: LedgerTransaction.Kind,
    lines: Sequence[Line],
    event_id: int | None,
    project_id: int | None = None,
    memo: str = "",
    occurred_at: dt.datetime | None = None,
) -> Posted:
    """Post one balanced transaction identified by `key`; a repeat is a no-op."""
    _check_lines(lines)
    transaction_id = transaction_id_for(key)
    occurred_at = occurred_at or dt.datetime.now(dt.UTC)
    codes = sorted({line.account.code for line in lines})
    async with write_transaction():
        await _lock_chain()
        # Everything read under the chain lock, in one round trip: whether the key was
        # posted, the head to extend, and whether the accounts exist yet.
        existing, last_seq, prev_hash, known_accounts = await _position(transaction_id, codes)
        if existing is not None:
            return Posted(transaction_id, existing, created=False)
        if known_accounts < len(codes):
            await account_ids([line.account for line in lines])
        seq = last_seq + 1
        digest = transaction_hash(
            seq=seq,
            transaction_id=transaction_id,
            key=key,
            kind=kind.value,
            event_id=event_id,
            project_id=project_id,
            memo=memo,
            occurred_at=occurred_at,
            prev_hash=prev_hash,
            entries=[(line.account.code, line.amount_fen) for line in lines],
        )
        await LedgerTransaction.insert(
            LedgerTransaction(
                id=transaction_id,
                seq=seq,
                key=key,
                kind=kind.value,
                event=event_id,
                project=project_id,
                memo=memo,
                occurred_at=occurred_at,
                prev_hash=prev_hash,
                hash=digest,
            )
        )
        await insert_entries(transaction_id, seq, lines)  # and the running balances
    return Posted(transaction_id, seq, created=True)


@dataclass(frozen=True)
class PostedTransaction:
    """A posted transaction as the reversal rule needs it."""

    key: str
    kind: str
    event_id: int | None
    project_id: int | None
    lines: list[tuple[AccountRef, int]]


async def transaction_by_key(key: str) -> PostedTransaction:
    row = (
        await LedgerTransaction.select(
            LedgerTransaction.id,
            LedgerTransaction.kind,
            LedgerTransaction.event,
            LedgerTransaction.project,
        )
        .where(LedgerTransaction.key == key)
        .first()
    )
    if row is None:
        raise NotFound.on("key", f"no ledger transaction with key {key!r}")
    entries = (
        await LedgerEntry.select(
            LedgerEntry.amount_fen,
            LedgerEntry.account.code.as_alias("code"),
            LedgerEntry.account.type.as_alias("type"),
            LedgerEntry.account.project.as_alias("project"),
            LedgerEntry.account.event.as_alias("event"),
        )
        .where(LedgerEntry.transaction == row["id"])
        .order_by(LedgerEntry.line)
    )
    return PostedTransaction(
        key=key,
        kind=row["kind"],
        event_id=row["event"],
        project_id=row["project"],
        lines=[
            (ref_from_account(e["code"], e["type"], e["project"], e["event"]), e["amount_fen"])
            for e in entries
        ],
    )


@dataclass
class ChainReport:
    ok: bool
    transactions: int = 0
    head_hash: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)
    first_bad_seq: int | None = None


async def iter_transactions(batch: int = 2000) -> AsyncIterator[ChainTransaction]:
    """Transactions in chain order with their entries, in bounded batches."""
    after = 0
    while True:
        rows = (
            await LedgerTransaction.select()
            .where(LedgerTransaction.seq > after)
            .order_by(LedgerTransaction.seq)
            .limit(batch)
        )
        if not rows:
            return
        ids = [row["id"] for row in rows]
        entries = (
            await LedgerEntry.select(
                LedgerEntry.transaction,
                LedgerEntry.amount_fen,
                LedgerEntry.line,
                LedgerEntry.account.code.as_alias("code"),
            )
            .where(LedgerEntry.transaction.is_in(ids))
            .order_by(LedgerEntry.transaction)
            .order_by(LedgerEntry.line)
        )
        by_tx: dict[uuid.UUID, list[tuple[str, int]]] = {}
        for entry in entries:
            by_tx.setdefault(_as_uuid(entry["transaction"]), []).append(
                (entry["code"], entry["amount_fen"])
            )
        for row in rows:
            row["entries"] = by_tx.get(_as_uuid(row["id"]), [])
            yield row
        after = rows[-1]["seq"]


def _as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def verify_chain(progress: object | None = None) -> ChainReport:
    """Recompute every hash in order; report the first transaction that does not fit."""
    report = ChainReport(ok=True)
    expected_seq, prev_hash = 1, GENESIS_HASH
    async for row in iter_transactions():
        report.transactions += 1
        problem = _check_row(row, expected_seq, prev_hash)
        if problem:
            report.ok = False
            report.first_bad_seq = report.first_bad_seq or row["seq"]
            report.problems.append(f"transaction seq={row['seq']} id={row['id']}: {problem}")
            break
        prev_hash = row["hash"]
        expected_seq += 1
        if callable(progress):
            progress()
    report.head_hash = prev_hash
    return report


def _check_row(row: ChainTransaction, expected_seq: int, prev_hash: str) -> str | None:
    if row["seq"] != expected_seq:
        return f"expected seq {expected_seq}: a transaction is missing or out of order"
    if row["prev_hash"] != prev_hash:
        return "prev_hash does not match the previous transaction (removed or reordered)"
    entries = row["entries"]
    if len(entries) < 2 or sum(amount for _, amount in entries) != 0:
        return f"entries do not balance ({len(entries)} entries)"
    recomputed = transaction_hash(
        seq=row["seq"],
        transaction_id=_as_uuid(row["id"]),
        key=row["key"],
        kind=row["kind"],
        event_id=row["event"],
        project_id=row["project"],
        memo=row["memo"],
        occurred_at=row["occurred_at"],
        prev_hash=row["prev_hash"],
        entries=entries,
    )
    if recomputed != row["hash"]:
        return "hash does not match its contents (row or entries edited)"
    return None
