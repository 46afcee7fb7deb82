"""Importing a statement file into its account.

The file is read once, streaming, inside one write transaction: every line is stored
under a key unique per account (see parsing.content_key), so an overlapping or repeated
export adds nothing, and any bad cell rolls the whole file back. Lines are inserted in
batches; then every open credit gets a proposal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import IO

from service.audit.services import Actor, record
from service.db import is_sqlite, write_transaction
from service.errors import InvalidInput
from service.statements.accounts import (
    account_by_number,
    get_account,
    mappings,
    named_mapping,
    same_account,
)
from service.statements.layouts import BY_NAME, Layout, mapping_layout
from service.statements.parsing import (
    Statement,
    StatementLine,
    UnknownLayout,
    open_statement,
)
from service.statements.proposals import propose_matches
from service.statements.records import AccountRow, EntryValues, ImportOutcome
from service.statements.tables import (
    StatementAccount,
    StatementEntry,
    StatementImport,
)

Entry = StatementEntry
Account = StatementAccount
BATCH = 1000


async def _open(
    binary: IO[bytes],
    account: AccountRow | None,
    mapping: str | None,
    layout: str | None,
    trial: Layout | None = None,
) -> Statement:
    if trial is not None:
        return open_statement(binary, trial)
    if mapping:
        if account is None:
            raise InvalidInput.on("account", "a mapping belongs to an account: name the account")
        return open_statement(binary, await named_mapping(account["id"], mapping))
    if layout:
        if layout not in BY_NAME:
            raise InvalidInput.on("layout", f"no layout {layout!r}; known: {', '.join(BY_NAME)}")
        return open_statement(binary, BY_NAME[layout])
    try:
        return open_statement(binary)
    except UnknownLayout as unknown:
        if account is None and unknown.named_account:
            account = await account_by_number(unknown.named_account)
        if account is None:
            raise
        for row in await mappings(account["id"]):  # the account's saved mappings, in turn
            binary.seek(0)
            try:
                return open_statement(binary, mapping_layout(row["name"], row["columns"]))
            except UnknownLayout:
                continue
        binary.seek(0)
        raise


async def _resolve_account(statement: Statement, account: AccountRow | None) -> AccountRow:
    named = statement.named_account
    if account is None:
        if not named:
            raise InvalidInput.on(
                "account", "the statement does not name its account: choose the account"
            )
        account = await account_by_number(named)
        if account is None:
            raise InvalidInput.on(
                "account",
                f"the statement is from account {named}, which is not registered: "
                "add the account first, or choose it",
            )
    _check_account(statement, account)
    return account


def _check_account(statement: Statement, account: AccountRow) -> None:
    named = statement.named_account
    if named and account["number"] and not same_account(named, account["number"]):
        raise InvalidInput.on(
            "account",
            f"this statement is from account {named}, not from {account['name']} "
            f"({account['number']}): nothing was imported",
        )
    layout = statement.layout
    generic = layout.name == "generic" or layout.name.startswith("mapping:")
    if not generic and layout.provider != account["provider"]:
        raise InvalidInput.on(
            "account",
            f"a {statement.layout.title} file cannot be imported into {account['name']} "
            f"({account['provider']})",
        )


def _line_key(account_id: int, key: str) -> str:
    return hashlib.sha256(f"{account_id}\x1f{key}".encode()).hexdigest()


async def import_statement_file(
    binary: IO[bytes],
    actor: Actor,
    *,
    account_id: int | None = None,
    mapping: str | None = None,
    layout: str | None = None,
    file_name: str = "",
    on_progress: Callable[[int], None] | None = None,
    trial: Layout | None = None,
) -> ImportOutcome:
    """Read a statement (seekable binary stream) into its account, once per line.
    `trial` is a mapping not saved yet: the organizer's first try of it."""
    account = await get_account(account_id) if account_id is not None else None
    statement = await _open(binary, account, mapping, layout, trial)
    account = await _resolve_account(statement, account)
    sha = hashlib.sha256()
    binary.seek(0)
    for chunk in iter(lambda: binary.read(1 << 20), b""):
        sha.update(chunk)
    binary.seek(0)
    # re-open after hashing: the reader holds its own position
    statement = await _open(binary, account, mapping, layout, trial)
    outcome = ImportOutcome(account["id"], account["name"], 0, statement.layout.name)
    async with write_transaction():
        batch_import = StatementImport(
            account=account["id"],
            file_name=file_name[:200],
            file_sha256=sha.hexdigest(),
            layout=statement.layout.name[:120],
            named_account=statement.named_account[:40],
            imported_by=actor.user_id,
        )
        await batch_import.save()
        outcome.import_id = batch_import.id
        checked_column_account = bool(statement.named_account)
        batch: list[StatementLine] = []
        for line in statement.lines():
            if not checked_column_account and statement.named_account:
                _check_account(statement, account)
                checked_column_account = True
            if line.fee_fen > line.amount_fen:
                statement.error(line.line, "fee", "the fee is larger than the amount")
                continue
            outcome.lines += 1
            batch.append(line)
            if len(batch) >= BATCH:
                await _store(account["id"], batch_import.id, batch, outcome, on_progress)
                batch = []
        if batch:
            await _store(account["id"], batch_import.id, batch, outcome, on_progress)
        if statement.named_account and not account["number"]:
            # the account's first file names its number (metadata or a column such as
            # 商户号): later files from another account are then refused
            await Account.update({Account.number: statement.named_account}).where(
                Account.id == account["id"]
            )
        if statement.errors:
            raise statement.failure()
        if outcome.lines == 0:
            raise InvalidInput.on("file", "the statement has a header but no lines")
        outcome.known = outcome.lines - outcome.new_credits - outcome.new_debits
        await StatementImport.update(
            {
                StatementImport.lines: outcome.lines,
                StatementImport.new_lines: outcome.new_credits + outcome.new_debits,
                StatementImport.known_lines: outcome.known,
            }
        ).where(StatementImport.id == batch_import.id)
        await record(
            actor,
            "statement.import",
            "statement_import",
            batch_import.id,
            data={
                "account": account["id"],
                "layout": statement.layout.name,
                "sha256": sha.hexdigest(),
                "lines": outcome.lines,
                "new_credits": outcome.new_credits,
                "new_debits": outcome.new_debits,
            },
        )
    outcome.proposed, outcome.certain = await propose_matches(account["id"])
    return outcome


_COLUMNS = (
    ("account", "int"),
    ("statement_import", "int"),
    ("line_key", "text"),
    ("direction", "text"),
    ("booked_on", "date"),
    ("booked_time", "time"),
    ("amount_fen", "bigint"),
    ("fee_fen", "bigint"),
    ("payer", "text"),
    ("payer_account", "text"),
    ("remark", "text"),
    ("txn_id", "text"),
    ("balance_fen", "bigint"),
    ("source_line", "int"),
    ("status", "text"),
)
_INSERT_SQL = "".join(  # names and types are the constants above
    [
        "INSERT INTO statement_entry (",
        ", ".join(c for c, _ in _COLUMNS),
        ", proposal_reason, certain, created_at) SELECT *, '', false, now() FROM unnest(",
        ", ".join(f"{{}}::{t}[]" for _, t in _COLUMNS),
        ") ON CONFLICT (line_key) DO NOTHING RETURNING direction",
    ]
)


def _row(account_id: int, import_id: int, line: StatementLine) -> EntryValues:
    return {
        "account": account_id,
        "statement_import": import_id,
        "line_key": _line_key(account_id, line.key),
        "direction": line.direction,
        "booked_on": line.booked_on,
        "booked_time": line.booked_time,
        "amount_fen": line.amount_fen,
        "fee_fen": line.fee_fen,
        "payer": line.payer,
        "payer_account": line.payer_account,
        "remark": line.remark,
        "txn_id": line.txn_id,
        "balance_fen": line.balance_fen,
        "source_line": line.line,
        "status": (
            Entry.Status.unmatched.value
            if line.direction == "credit"
            else Entry.Status.listed.value
        ),
    }


async def _store(
    account_id: int,
    import_id: int,
    batch: list[StatementLine],
    outcome: ImportOutcome,
    on_progress: Callable[[int], None] | None,
) -> None:
    """Insert a batch, skipping lines the account already holds. On PostgreSQL one
    statement over arrays (building Piccolo rows cost more than running the insert)."""
    rows = [_row(account_id, import_id, line) for line in batch]
    if is_sqlite():
        added = (
            await Entry.insert(*(Entry(**row) for row in rows))
            .on_conflict(target=Entry.line_key, action="DO NOTHING")
            .returning(Entry.direction)
        )
    else:
        arrays = [[row[column] for row in rows] for column, _ in _COLUMNS]
        added = await Entry.raw(_INSERT_SQL, *arrays)
    for row in added:
        if row["direction"] == "credit":
            outcome.new_credits += 1
        else:
            outcome.new_debits += 1
    if on_progress is not None:
        on_progress(len(batch))
