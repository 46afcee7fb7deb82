"""Statement accounts, imports, proposals and their confirmation.

Import reads the file once, streaming, inside one write transaction: every line is
stored under a key unique per account (see parsing.content_key), so an overlapping or
repeated export adds nothing; any bad cell rolls the whole file back. Credits then get a
proposal (matching.py); nothing moves money until an organizer confirms, and a
confirmed line becomes exactly one payment (its id is the payment's reference, unique
per provider). Debits are listed for the treasurer and never applied.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import IO, Any

from service.audit.services import Actor, record
from service.db import is_sqlite, write_transaction
from service.donors.services import DonorDraft
from service.donors.tables import Donor
from service.errors import DomainError, InvalidInput, NotAllowed, NotFound
from service.ledger import rules
from service.locks import lock_row
from service.payments.paid import paid_by_pledge
from service.payments.services import OfflinePayment, record_offline_payment
from service.payments.tables import Payment
from service.pledges.tables import Pledge
from service.statements.layouts import BY_NAME, MAPPABLE, Layout, mapping_layout
from service.statements.matching import Candidate, CandidateIndex, normal_name, propose
from service.statements.parsing import (
    Statement,
    StatementLine,
    UnknownLayout,
    digits,
    open_statement,
)
from service.statements.schemas import BulkOutcome, ImportOutcome
from service.statements.tables import (
    StatementAccount,
    StatementEntry,
    StatementImport,
    StatementMapping,
)

Entry = StatementEntry
Account = StatementAccount
BATCH = 1000
OPEN = (Entry.Status.unmatched.value, Entry.Status.proposed.value)
PAYABLE = (Pledge.Status.pledged.value, Pledge.Status.partially_paid.value)


# ---- accounts and mappings ---------------------------------------------------------


async def add_account(name: str, provider: str, number: str, holder: str, actor: Actor) -> int:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput.on("name", "give the account a name of up to 100 characters")
    if provider not in {p.value for p in Account.Provider}:
        raise InvalidInput.on("provider", "bank, wechat_pay or alipay")
    number = digits(number).replace("*", "")
    if number and len(number) < 6:
        raise InvalidInput.on("number", "an account or merchant number has at least 6 digits")
    async with write_transaction():
        if await Account.exists().where(Account.name == name):
            raise InvalidInput.on("name", f"an account named {name!r} exists already")
        account = Account(name=name, provider=provider, number=number, holder=holder[:200])
        await account.save()
        await record(
            actor,
            "statement_account.add",
            "statement_account",
            account.id,
            data={"name": name, "provider": provider, "number": number},
        )
    return account.id


async def accounts() -> list[dict[str, Any]]:
    return await Account.select().order_by(Account.name)


async def get_account(account_id: int) -> dict[str, Any]:
    row = await Account.select().where(Account.id == account_id).first()
    if row is None:
        raise NotFound.on("account", f"no statement account {account_id}")
    return row


async def account_by_name(name: str) -> dict[str, Any]:
    row = await Account.select().where(Account.name == name.strip()).first()
    if row is None:
        raise NotFound.on("account", f"no statement account named {name!r}")
    return row


def check_mapping(columns: dict[str, Any]) -> dict[str, str | list[str]]:
    """An organizer's mapping, validated: a date, and a signed amount or a credit column."""
    cleaned: dict[str, str | list[str]] = {}
    for role in MAPPABLE:
        value = columns.get(role)
        if isinstance(value, list):
            names = [str(v).strip() for v in value if str(v).strip()]
            if names:
                cleaned[role] = names if role == "remark" else names[0]
        elif value is not None and str(value).strip():
            cleaned[role] = str(value).strip()
    if "date" not in cleaned:
        raise InvalidInput.on("date", "choose the column holding the date")
    if "amount" not in cleaned and "credit" not in cleaned:
        raise InvalidInput.on(
            "credit", "choose the credit (收入/贷方) column or one signed amount column"
        )
    if "amount" in cleaned and ("credit" in cleaned or "debit" in cleaned):
        raise InvalidInput.on("amount", "a signed amount column, or credit and debit: not both")
    return cleaned


async def save_mapping(account_id: int, name: str, columns: dict[str, Any], actor: Actor) -> int:
    await get_account(account_id)
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput.on("mapping_name", "give the mapping a name of up to 100 characters")
    cleaned = check_mapping(columns)
    async with write_transaction():
        existing = (
            await StatementMapping.select(StatementMapping.id)
            .where((StatementMapping.account == account_id) & (StatementMapping.name == name))
            .first()
        )
        if existing:
            await StatementMapping.update(
                {StatementMapping.columns: json.dumps(cleaned, ensure_ascii=False)}
            ).where(StatementMapping.id == existing["id"])
            mapping_id = existing["id"]
        else:
            mapping = StatementMapping(
                account=account_id,
                name=name,
                columns=json.dumps(cleaned, ensure_ascii=False),
                created_by=actor.user_id,
            )
            await mapping.save()
            mapping_id = mapping.id
        await record(
            actor,
            "statement_mapping.save",
            "statement_mapping",
            mapping_id,
            data={"account": account_id, "name": name, "columns": cleaned},
        )
    return mapping_id


async def mappings(account_id: int) -> list[dict[str, Any]]:
    return (
        await StatementMapping.select()
        .where(StatementMapping.account == account_id)
        .order_by(StatementMapping.id)
        .output(load_json=True)
    )


async def _mapping_layout(account_id: int, name: str) -> Layout:
    for row in await mappings(account_id):
        if row["name"] == name:
            return mapping_layout(name, row["columns"])
    raise NotFound.on("mapping", f"the account has no mapping named {name!r}")


# ---- import ------------------------------------------------------------------------


def _same_account(named: str, number: str) -> bool:
    """Account numbers, where a statement may mask the middle (6222****1234)."""
    if "*" not in named:
        return named == number
    head, _, tail = named.partition("*")
    tail = tail.lstrip("*")
    return number.startswith(head) and number.endswith(tail) and len(head + tail) >= 4


async def _open(
    binary: IO[bytes], account: dict[str, Any] | None, mapping: str | None, layout: str | None
) -> Statement:
    if mapping:
        if account is None:
            raise InvalidInput.on("account", "a mapping belongs to an account: name the account")
        return open_statement(binary, await _mapping_layout(account["id"], mapping))
    if layout:
        if layout not in BY_NAME:
            raise InvalidInput.on("layout", f"no layout {layout!r}; known: {', '.join(BY_NAME)}")
        return open_statement(binary, BY_NAME[layout])
    try:
        return open_statement(binary)
    except UnknownLayout as unknown:
        if account is None and unknown.named_account:
            account = await _account_by_number(unknown.named_account)
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


async def _resolve_account(statement: Statement, account: dict[str, Any] | None) -> dict[str, Any]:
    named = statement.named_account
    if account is None:
        if not named:
            raise InvalidInput.on(
                "account", "the statement does not name its account: choose the account"
            )
        account = await _account_by_number(named)
        if account is None:
            raise InvalidInput.on(
                "account",
                f"the statement is from account {named}, which is not registered: "
                "add the account first, or choose it",
            )
    _check_account(statement, account)
    return account


async def _account_by_number(named: str) -> dict[str, Any] | None:
    for row in await accounts():
        if row["number"] and _same_account(named, row["number"]):
            return row
    return None


def _check_account(statement: Statement, account: dict[str, Any]) -> None:
    named = statement.named_account
    if named and account["number"] and not _same_account(named, account["number"]):
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
) -> ImportOutcome:
    """Read a statement (seekable binary stream) into its account, once per line."""
    account = await get_account(account_id) if account_id is not None else None
    statement = await _open(binary, account, mapping, layout)
    account = await _resolve_account(statement, account)
    sha = hashlib.sha256()
    binary.seek(0)
    for chunk in iter(lambda: binary.read(1 << 20), b""):
        sha.update(chunk)
    binary.seek(0)
    # re-open after hashing: the reader holds its own position
    statement = await _open(binary, account, mapping, layout)
    outcome = ImportOutcome(account["id"], account["name"], 0, statement.layout.name)
    async with write_transaction():
        if statement.named_account and not account["number"]:
            await Account.update({Account.number: statement.named_account}).where(
                Account.id == account["id"]
            )
            account = {**account, "number": statement.named_account}
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
                statement._error(line.line, "fee", "the fee is larger than the amount")
                continue
            outcome.lines += 1
            batch.append(line)
            if len(batch) >= BATCH:
                await _store(account["id"], batch_import.id, batch, outcome, on_progress)
                batch = []
        if batch:
            await _store(account["id"], batch_import.id, batch, outcome, on_progress)
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


def _row(account_id: int, import_id: int, line: StatementLine) -> dict[str, Any]:
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


# ---- proposals ---------------------------------------------------------------------


async def open_candidates() -> CandidateIndex:
    """Every payable pledge with its outstanding amount, code and donor names."""
    from service.pledges.notify import pledge_code

    rows = await Pledge.select(
        Pledge.id,
        Pledge.amount_fen,
        Pledge.donor.display_name.as_alias("donor_name"),
        Pledge.donor.receipt_title.as_alias("receipt_title"),
    ).where(Pledge.status.is_in(list(PAYABLE)))
    paid = await paid_by_pledge([row["id"] for row in rows])
    return CandidateIndex.build(
        Candidate(
            id=row["id"],
            code=pledge_code(row["id"]),
            outstanding_fen=row["amount_fen"] - paid.get(row["id"], 0),
            names=frozenset(
                n for n in (normal_name(row["donor_name"]), normal_name(row["receipt_title"])) if n
            ),
        )
        for row in rows
    )


async def propose_matches(account_id: int | None = None) -> tuple[int, int]:
    """Refresh the proposal of every open credit; (proposed, certain) counts."""
    where = Entry.status.is_in(list(OPEN)) & (Entry.direction == Entry.Direction.credit.value)
    if account_id is not None:
        where &= Entry.account == account_id
    rows = await Entry.select(
        Entry.id,
        Entry.amount_fen,
        Entry.payer,
        Entry.remark,
        Entry.status,
        Entry.proposed_pledge,
        Entry.proposal_reason,
        Entry.certain,
    ).where(where)
    if not rows:
        return 0, 0
    index = await open_candidates()
    proposed = certain = 0
    for row in rows:
        found = propose(row["amount_fen"], row["payer"], row["remark"], index)
        wanted = {
            "proposed_pledge": found.pledge_id if found else None,
            "proposal_reason": found.reason if found else "",
            "certain": bool(found and found.certain),
            "status": Entry.Status.proposed.value if found else Entry.Status.unmatched.value,
        }
        proposed += found is not None
        certain += wanted["certain"]
        if any(row[k] != v for k, v in wanted.items()):
            await Entry.update(
                {
                    Entry.proposed_pledge: wanted["proposed_pledge"],
                    Entry.proposal_reason: wanted["proposal_reason"],
                    Entry.certain: wanted["certain"],
                    Entry.status: wanted["status"],
                }
            ).where((Entry.id == row["id"]) & Entry.status.is_in(list(OPEN)))
    return proposed, certain


# ---- applying lines ----------------------------------------------------------------


async def _locked_open_credit(entry_id: int) -> dict[str, Any]:
    await lock_row(Entry, entry_id)
    entry = (
        await Entry.select(*Entry.all_columns(), Entry.account.provider.as_alias("provider"))
        .where(Entry.id == entry_id)
        .first()
    )
    if entry is None:
        raise NotFound.on("entry", f"no statement line {entry_id}")
    if entry["direction"] != Entry.Direction.credit.value:
        raise NotAllowed.on("entry", "a debit is listed for the treasurer, never applied")
    if entry["status"] not in OPEN:
        raise NotAllowed.on("entry", f"this line is already {entry['status']}")
    return entry


async def settle_entry(entry: dict[str, Any], pledge_id: uuid.UUID, actor: Actor) -> uuid.UUID:
    """The line's money as one payment on the pledge; a wallet's fee as a provider fee.
    Call inside the write transaction that locked the entry."""
    provider = Payment.Provider(entry["provider"])
    payment_id = await record_offline_payment(
        OfflinePayment(
            pledge_id=pledge_id,
            provider=provider,
            amount_fen=entry["amount_fen"],
            reference=f"stmt:{entry['line_key'][:40]}",
            received_on=entry["booked_on"],
        ),
        actor,
    )
    if provider is not Payment.Provider.bank:
        await Payment.update(
            {Payment.method: provider.value, Payment.fee_fen: entry["fee_fen"]}
        ).where(Payment.id == payment_id)
        if entry["fee_fen"]:
            pledge = (
                await Pledge.select(Pledge.event, Pledge.project)
                .where(Pledge.id == pledge_id)
                .first()
            )
            await rules.provider_fee(
                payment_id=payment_id,
                provider=provider.value,
                event_id=pledge["event"],
                project_id=pledge["project"],
                fee_fen=entry["fee_fen"],
            )
    await Entry.update(
        {
            Entry.status: Entry.Status.applied.value,
            Entry.payment: payment_id,
            Entry.proposed_pledge: pledge_id,
            Entry.decided_by: actor.user_id,
        }
    ).where(Entry.id == entry["id"])
    await record(
        actor,
        "statement.apply",
        "statement_entry",
        entry["id"],
        data={"pledge": str(pledge_id), "payment": str(payment_id), "fee_fen": entry["fee_fen"]},
    )
    return payment_id


async def confirm_entry(entry_id: int, pledge_id: uuid.UUID, actor: Actor) -> uuid.UUID:
    """Apply an open credit to a pledge (the proposed one or one the treasurer chose)."""
    async with write_transaction():
        entry = await _locked_open_credit(entry_id)
        return await settle_entry(entry, pledge_id, actor)


async def confirm_certain(actor: Actor, account_id: int | None = None) -> BulkOutcome:
    """Apply every certain proposal, each in its own transaction."""
    where = (Entry.status == Entry.Status.proposed.value) & (Entry.certain == True)  # noqa: E712
    if account_id is not None:
        where &= Entry.account == account_id
    outcome = BulkOutcome()
    for row in await Entry.select(Entry.id, Entry.proposed_pledge).where(where).order_by(Entry.id):
        try:
            await confirm_entry(row["id"], row["proposed_pledge"], actor)
            outcome.applied += 1
        except DomainError as exc:
            outcome.failed.append((row["id"], exc.detail))
    if outcome.failed:
        await propose_matches(account_id)
    return outcome


async def ignore_entry(entry_id: int, actor: Actor, reason: str = "") -> None:
    async with write_transaction():
        await _locked_open_credit(entry_id)
        await Entry.update(
            {Entry.status: Entry.Status.ignored.value, Entry.decided_by: actor.user_id}
        ).where(Entry.id == entry_id)
        await record(actor, "statement.ignore", "statement_entry", entry_id, reason=reason[:500])


async def record_anonymous_gift(
    entry_id: int, event_number: int, project_id: int | None, actor: Actor
) -> uuid.UUID:
    """An unmatched credit as a new anonymous on-site gift: pledge, payment and receipt,
    all in one transaction. Returns the pledge id."""
    from service.pledges.services import PledgeDraft, create_pledge
    from service.receipts.services import issue_receipt

    async with write_transaction():
        entry = await _locked_open_credit(entry_id)
        result = await create_pledge(
            PledgeDraft(
                event_number=event_number,
                project_id=project_id,
                donor=DonorDraft(
                    kind=Donor.Kind.individual,
                    display_name=(entry["payer"] or "匿名捐赠者")[:100],
                    anonymous=True,
                ),
                amount_fen=entry["amount_fen"],
                channel=Pledge.Channel.on_stage,
                allow_general_fund=project_id is None,
                message="现场捐赠（流水登记）",
            ),
            actor,
            idempotency_key=f"statement-gift:{entry['line_key']}",
        )
        payment_id = await settle_entry(entry, result.pledge_id, actor)
        await issue_receipt(payment_id, actor)
    return result.pledge_id


# ---- listing -----------------------------------------------------------------------


async def queue(account_id: int | None = None, limit: int = 500) -> dict[str, list[dict]]:
    """The treasurer's view: proposals (certain first), unmatched credits, debits and
    the latest applied or ignored lines."""

    def base() -> Any:  # a new query each time: Piccolo's where() changes the query
        return Entry.select(
            *Entry.all_columns(),
            Entry.account.name.as_alias("account_name"),
            Entry.proposed_pledge.donor.display_name.as_alias("proposed_donor"),
            Entry.proposed_pledge.amount_fen.as_alias("proposed_amount_fen"),
            Entry.proposed_pledge.project.title.as_alias("proposed_project"),
        )

    def where(*statuses: str) -> Any:
        condition = Entry.status.is_in(list(statuses))
        if account_id is not None:
            condition &= Entry.account == account_id
        return condition

    proposed = (
        await base()
        .where(where("proposed"))
        .order_by(Entry.certain, ascending=False)
        .order_by(Entry.booked_on)
        .order_by(Entry.id)
        .limit(limit)
    )
    return {
        "proposed": proposed,
        "unmatched": await Entry.select(
            *Entry.all_columns(), Entry.account.name.as_alias("account_name")
        )
        .where(where("unmatched"))
        .order_by(Entry.booked_on)
        .order_by(Entry.id)
        .limit(limit),
        "debits": await Entry.select(
            *Entry.all_columns(), Entry.account.name.as_alias("account_name")
        )
        .where(where("listed"))
        .order_by(Entry.booked_on, ascending=False)
        .limit(limit),
        "done": await base()
        .where(where("applied", "ignored"))
        .order_by(Entry.id, ascending=False)
        .limit(50),
    }


async def imports(limit: int = 20) -> list[dict[str, Any]]:
    return (
        await StatementImport.select(
            *StatementImport.all_columns(), StatementImport.account.name.as_alias("account_name")
        )
        .order_by(StatementImport.id, ascending=False)
        .limit(limit)
    )
