"""Applying statement lines: confirm one or all certain proposals, ignore, or record an
unmatched credit as an anonymous gift; the treasurer's queue.

Nothing moves money until an organizer confirms; a confirmed line becomes exactly one
payment (its line key is the payment's reference, unique per provider). Debits are
listed for the treasurer and never applied. Accounts, imports and proposals live in
their own modules and are re-exported here for pages and the CLI.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from service.audit.services import Actor, record
from service.clock import SHANGHAI
from service.db import write_transaction
from service.donors.services import DonorDraft
from service.donors.tables import Donor
from service.errors import DomainError, NotAllowed, NotFound
from service.ledger import rules
from service.locks import lock_row
from service.payments.settlement import Settlement, settle
from service.payments.tables import Payment
from service.pledges import money
from service.pledges.tables import Pledge
from service.statements.accounts import account_by_name as account_by_name
from service.statements.accounts import accounts as accounts
from service.statements.accounts import add_account as add_account
from service.statements.accounts import get_account as get_account
from service.statements.accounts import mappings as mappings
from service.statements.accounts import save_mapping as save_mapping
from service.statements.importing import import_statement_file as import_statement_file
from service.statements.proposals import propose_matches
from service.statements.records import BulkOutcome, ImportRow, OpenCredit, StatementQueue
from service.statements.tables import (
    StatementEntry,
    StatementImport,
)

Entry = StatementEntry
OPEN = (Entry.Status.unmatched.value, Entry.Status.proposed.value)

# ---- applying lines ----------------------------------------------------------------


async def _locked_open_credit(entry_id: int) -> OpenCredit:
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


METHODS = {"bank": "transfer", "wechat_pay": "wechat_pay", "alipay": "alipay"}


async def settle_entry(entry: OpenCredit, pledge_id: uuid.UUID, actor: Actor) -> uuid.UUID:
    """The line's money as one payment on the pledge, settled through the one
    provider-neutral step (payments.settlement.settle); a wallet's fee posted as a
    provider fee, its gross as the payment. Call inside the write transaction that
    locked the entry."""
    provider = Payment.Provider(entry["provider"])
    await lock_row(Pledge, pledge_id)
    pledge = (
        await Pledge.select(
            Pledge.id, Pledge.amount_fen, Pledge.status, Pledge.event, Pledge.project
        )
        .where(Pledge.id == pledge_id)
        .first()
    )
    if pledge is None:
        raise NotFound.on("pledge_id", f"no pledge {pledge_id}")
    if not money.is_payable(pledge["status"]):
        raise NotAllowed.on("pledge_id", f"the pledge is {pledge['status']}")
    paid = await money.paid_fen(pledge_id)
    if paid + entry["amount_fen"] > pledge["amount_fen"]:
        raise NotAllowed.on(
            "amount_fen",
            f"only {pledge['amount_fen'] - paid} fen is outstanding on this pledge",
        )
    payment_id = uuid.uuid4()
    settled_at = dt.datetime.combine(
        entry["booked_on"], entry["booked_time"] or dt.time(12), SHANGHAI
    ).astimezone(dt.UTC)
    fee = entry["fee_fen"] if provider is not Payment.Provider.bank else 0
    await Payment.insert(
        Payment(
            id=payment_id,
            pledge=pledge_id,
            provider=provider.value,
            amount_fen=entry["amount_fen"],
            status=Payment.Status.succeeded.value,
            provider_reference=f"stmt:{entry['line_key'][:40]}",
            method=METHODS[provider.value],
            fee_fen=fee,
            received_on=entry["booked_on"],
            recorded_by=actor.user_id,
            settled_at=settled_at,
        )
    )
    await settle(
        Settlement(
            payment_id=payment_id,
            provider=provider.value,
            amount_fen=entry["amount_fen"],
            settled_at=settled_at,
            pledge_id=pledge_id,
            pledge_amount_fen=pledge["amount_fen"],
            pledge_status=pledge["status"],
            event_id=pledge["event"],
            project_id=pledge["project"],
            audit_action="payment.record",
            audit_data={
                "amount_fen": entry["amount_fen"],
                "provider": provider.value,
                "statement_entry": entry["id"],
                "fee_fen": fee,
            },
        ),
        actor,
    )
    if fee:
        await rules.provider_fee(
            payment_id=payment_id,
            provider=provider.value,
            event_id=pledge["event"],
            project_id=pledge["project"],
            fee_fen=fee,
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
        data={"pledge": str(pledge_id), "payment": str(payment_id), "fee_fen": fee},
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


async def queue(account_id: int | None = None, limit: int = 500) -> StatementQueue:
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


async def imports(limit: int = 20) -> list[ImportRow]:
    return (
        await StatementImport.select(
            *StatementImport.all_columns(), StatementImport.account.name.as_alias("account_name")
        )
        .order_by(StatementImport.id, ascending=False)
        .limit(limit)
    )
