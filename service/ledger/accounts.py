"""The chart of accounts: which account a posting rule moves, and its stable code.

Debit balances are positive, credit balances negative. Per project (or per edition's
general fund when the project is empty):

  pledged    credit: promises made, less released remainders
  receivable debit:  promised and not yet paid
  matched    credit: matching money allocated to the project
  refunded   debit:  money given back
  disbursed  debit:  money released to implementers
  fees       debit:  provider fees on the project's payments
  reallocated debit on the project it leaves, credit on the general fund it reaches

Per provider: cash (debit), money held; `cash:stripe` is the Stripe clearing balance that
payouts move to `cash:bank`. Per matching pool: pool (credit), unallocated.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.ledger.tables import Account

Type = Account.Type


@dataclass(frozen=True)
class AccountRef:
    """Names an account without knowing its row id; `code` is its unique key."""

    type: Account.Type
    project_id: int | None = None
    event_id: int | None = None
    qualifier: str = ""

    @property
    def code(self) -> str:
        if self.project_id is not None:
            return f"{self.type.value}:p{self.project_id}"
        if self.event_id is not None:
            suffix = f":{self.qualifier}" if self.qualifier else ""
            return f"{self.type.value}:e{self.event_id}{suffix}"
        return f"{self.type.value}:{self.qualifier}"

    @property
    def name(self) -> str:
        if self.project_id is not None:
            return f"{self.type.value} / project {self.project_id}"
        if self.event_id is not None:
            return f"{self.type.value} / event {self.event_id} {self.qualifier or 'general fund'}"
        return f"{self.type.value} / {self.qualifier}"


def fund_ref(type_: Account.Type, project_id: int | None, event_id: int) -> AccountRef:
    """A project account, or the edition's general-fund account when no project."""
    if project_id is not None:
        return AccountRef(type_, project_id=project_id)
    return AccountRef(type_, event_id=event_id)


def cash_ref(provider: str) -> AccountRef:
    return AccountRef(Type.cash, qualifier=provider)


def pool_ref(pool_id: int, event_id: int) -> AccountRef:
    return AccountRef(Type.pool, event_id=event_id, qualifier=f"pool{pool_id}")


CLEARING_PROVIDERS = ("stripe",)
"""Providers whose `cash` account is a clearing balance paid out to the bank later."""

PAYOUT_PROVIDER = "bank"
"""Where payouts land and disbursements leave from."""


def ref_from_account(
    code: str, type_: str, project_id: int | None, event_id: int | None
) -> AccountRef:
    """The reference that names an existing account row (inverse of `AccountRef.code`)."""
    kind = Type(type_)
    if project_id is not None:
        ref = AccountRef(kind, project_id=project_id)
    elif event_id is not None:
        prefix = f"{kind.value}:e{event_id}"
        ref = AccountRef(kind, event_id=event_id, qualifier=code[len(prefix) + 1 :])
    else:
        ref = AccountRef(kind, qualifier=code[len(kind.value) + 1 :])
    if ref.code != code:
        raise ValueError(f"account code {code!r} does not follow the chart of accounts")
    return ref


@dataclass(frozen=True)
class Line:
    """One entry of a posting: an account and a signed amount (debit +, credit −)."""

    account: AccountRef
    amount_fen: int
    note: str = ""
