from enum import Enum

from piccolo.columns import UUID, BigInt, BigSerial, Boolean, Text, Timestamptz, Varchar
from piccolo.table import Table

from service.columns import created_at, money, restrict_fk
from service.events.tables import Event
from service.projects.tables import Project


class Account(Table, tablename="ledger_account"):
    """A ledger account; debit balances are positive, credit balances negative."""

    class Type(str, Enum):
        receivable = "receivable"  # pledged, not yet paid (asset)
        pledged = "pledged"  # promises made (credit)
        cash = "cash"  # money held, by provider (asset)
        fees = "fees"  # provider fees (expense)
        refunded = "refunded"  # money returned (contra)
        matched = "matched"  # matching funds allocated (credit)
        pool = "pool"  # matching pool held for allocation (credit)
        disbursed = "disbursed"  # released to implementers (contra)
        reallocated = "reallocated"  # moved between funds: debit out, credit in

    code = Varchar(length=100, unique=True, help_text="Stable code, e.g. pledged:p12.")
    type = Varchar(length=20, choices=Type, help_text="What the account tracks.")
    name = Varchar(length=200, help_text="Readable name.")
    event = restrict_fk(Event, "The edition, where the account belongs to one.", null=True)
    project = restrict_fk(Project, "The project, for project accounts.", null=True)
    created_at = created_at()


class LedgerTransaction(Table, tablename="ledger_transaction"):
    """One balanced posting. Immutable; corrections are reversing transactions."""

    class Kind(str, Enum):
        pledge_made = "pledge_made"
        pledge_released = "pledge_released"  # cancelled or lapsed remainder
        payment_received = "payment_received"
        provider_fee = "provider_fee"
        payout = "payout"  # provider clearing balance paid out to the bank
        refund = "refund"
        pool_funded = "pool_funded"
        match_allocated = "match_allocated"
        match_released = "match_released"  # a refunded gift gives its match back to the pool
        disbursement = "disbursement"
        reallocation = "reallocation"
        reversal = "reversal"

    id = UUID(primary_key=True, help_text="uuid5 of the key: the same source, the same id.")
    seq = BigInt(unique=True, help_text="Position in the hash chain, from 1, no gaps.")
    key = Varchar(length=200, unique=True, help_text="Source of the posting, e.g. payment:<id>.")
    kind = Varchar(length=30, choices=Kind, help_text="Why money moved.")
    event = restrict_fk(Event, "The edition.", null=True)
    project = restrict_fk(Project, "The project, when it concerns one.", null=True)
    memo = Text(default="", help_text="Human description.")
    occurred_at = Timestamptz(help_text="When the money moved in the world.")
    posted_at = created_at()
    prev_hash = Varchar(length=64, help_text="Hash of the previous transaction (64 zeros first).")
    hash = Varchar(
        length=64, unique=True, help_text="SHA-256 over this row, entries and prev_hash."
    )


class LedgerEntry(Table, tablename="ledger_entry"):
    """One line of a transaction: positive debits, negative credits; they sum to zero."""

    id = BigSerial(primary_key=True)
    transaction = restrict_fk(LedgerTransaction, "The transaction it belongs to.")
    account = restrict_fk(Account, "The account moved.")
    amount_fen = money("Signed amount: debit > 0, credit < 0")
    line = BigInt(default=0, help_text="Order within the transaction.")
    note = Text(default="", help_text="Optional line note.")


class LedgerCheck(Table, tablename="ledger_check"):
    """Result of a periodic comparison of ledger balances with source records."""

    checked_at = created_at()
    ok = Boolean(default=False, help_text="True when the check found no difference.")
    head_hash = Varchar(length=64, default="", help_text="Chain head at check time.")
    findings = Text(default="", help_text="Differences found, one per line.")
    checked_through = Timestamptz(
        null=True,
        default=None,
        help_text="The check's start: every posting committed before it was checked.",
    )


class AccountBalance(Table, tablename="ledger_balance"):
    """An account's running balance, moved by `post` in the posting's own transaction.

    Figures are read from here (one row per account) instead of summing the entries;
    `ledger verify` and the periodic check compare every row with its entries."""

    account = restrict_fk(Account, "The account.", unique=True)
    balance_fen = money("Sum of the account's entries")
    entries = BigInt(default=0, help_text="How many entries moved the account.")
    last_seq = BigInt(default=0, help_text="Chain position of the last posting that moved it.")
