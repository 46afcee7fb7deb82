"""Fund figures derived from the ledger alone (docs/architecture.md, Money invariants 5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from service.ledger.accounts import AccountRef
from service.ledger.tables import Account, LedgerEntry

T = Account.Type


@dataclass(frozen=True)
class FundFigures:
    """What a project (or an edition's general fund) has, in fen, from the ledger."""

    pledged: int = 0
    outstanding: int = 0
    matched: int = 0
    refunded: int = 0
    disbursed: int = 0
    fees: int = 0
    reallocated: int = 0
    """Net moved out to the general fund (negative on the general fund: moved in)."""

    @property
    def received(self) -> int:
        """Paid against pledges: promised minus what is still owed."""
        return self.pledged - self.outstanding

    @property
    def balance(self) -> int:
        """Money held for the project now."""
        return (
            self.received
            + self.matched
            - self.refunded
            - self.disbursed
            - self.fees
            - self.reallocated
        )

    @classmethod
    def from_account_totals(cls, totals: dict[str, int]) -> FundFigures:
        return cls(
            pledged=-totals.get(T.pledged.value, 0),
            outstanding=totals.get(T.receivable.value, 0),
            matched=-totals.get(T.matched.value, 0),
            refunded=totals.get(T.refunded.value, 0),
            disbursed=totals.get(T.disbursed.value, 0),
            fees=totals.get(T.fees.value, 0),
            reallocated=totals.get(T.reallocated.value, 0),
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "pledged": self.pledged,
            "received": self.received,
            "outstanding": self.outstanding,
            "matched": self.matched,
            "refunded": self.refunded,
            "disbursed": self.disbursed,
            "fees": self.fees,
            "reallocated": self.reallocated,
            "balance": self.balance,
        }


GENERAL_FUND = None

# Figures come from the running balances (`service/ledger/running.py`): one row per
# account, so their cost follows the number of accounts, never the number of postings.
_EVENT_BALANCES_SQL = """
SELECT a.type AS type, a.project AS project, b.balance_fen AS total
FROM ledger_account a JOIN ledger_balance b ON b.account = a.id
WHERE a.project IN (SELECT id FROM project WHERE event = {})
UNION ALL
SELECT a.type AS type, NULL AS project, b.balance_fen AS total
FROM ledger_account a JOIN ledger_balance b ON b.account = a.id
WHERE a.project IS NULL AND a.event = {}
"""

_PROJECT_BALANCES_SQL = """
SELECT a.type AS type, b.balance_fen AS total
FROM ledger_account a JOIN ledger_balance b ON b.account = a.id
WHERE a.project = {}
"""

_PLEDGED_SQL = """
SELECT b.balance_fen AS total
FROM ledger_account a JOIN ledger_balance b ON b.account = a.id
WHERE a.code = {}
"""

# The same figures summed over the entries: what the running balances are checked against.
_EVENT_ENTRIES_SQL = """
SELECT a.type AS type, a.project AS project, SUM(e.amount_fen) AS total
FROM ledger_entry e
JOIN ledger_account a ON a.id = e.account
LEFT JOIN project p ON p.id = a.project
WHERE (p.event = {} OR (a.project IS NULL AND a.event = {}))
GROUP BY a.type, a.project
"""
_TOTALS_AS_OF_SQL = """
SELECT a.type AS type, a.project AS project, SUM(e.amount_fen) AS total
FROM ledger_entry e
JOIN ledger_account a ON a.id = e.account
JOIN ledger_transaction t ON t.id = e."transaction"
LEFT JOIN project p ON p.id = a.project
WHERE (p.event = {} OR (a.project IS NULL AND a.event = {})) AND t.occurred_at <= {}
GROUP BY a.type, a.project
"""


def _by_project(rows: list[dict]) -> dict[int | None, FundFigures]:
    totals: dict[int | None, dict[str, int]] = {}
    for row in rows:
        bucket = totals.setdefault(row["project"], {})
        bucket[row["type"]] = bucket.get(row["type"], 0) + int(row["total"])
    return {key: FundFigures.from_account_totals(value) for key, value in totals.items()}


async def event_fund_figures(
    event_id: int, as_of: dt.datetime | None = None
) -> dict[int | None, FundFigures]:
    """Figures per project of the edition; key None is the edition's general fund.
    `as_of`: only money that moved (occurred_at) by then — the figures on that day, summed
    over the entries (history has no running balance)."""
    if as_of is None:
        return _by_project(await LedgerEntry.raw(_EVENT_BALANCES_SQL, event_id, event_id))
    return _by_project(await LedgerEntry.raw(_TOTALS_AS_OF_SQL, event_id, event_id, as_of))


async def event_fund_figures_from_entries(event_id: int) -> dict[int | None, FundFigures]:
    """`event_fund_figures` summed over every entry (for checks, not for pages)."""
    return _by_project(await LedgerEntry.raw(_EVENT_ENTRIES_SQL, event_id, event_id))


async def project_fund_figures(project_id: int) -> FundFigures:
    rows = await LedgerEntry.raw(_PROJECT_BALANCES_SQL, project_id)
    return FundFigures.from_account_totals({row["type"]: int(row["total"]) for row in rows})


async def project_pledged(project_id: int) -> int:
    """What is pledged to the project now (its `pledged` account's running balance)."""
    rows = await LedgerEntry.raw(_PLEDGED_SQL, AccountRef(T.pledged, project_id=project_id).code)
    return -int(rows[0]["total"]) if rows else 0


def event_total(figures: dict[int | None, FundFigures]) -> FundFigures:
    """Sum of the per-project figures and the general fund."""
    return FundFigures(
        pledged=sum(f.pledged for f in figures.values()),
        outstanding=sum(f.outstanding for f in figures.values()),
        matched=sum(f.matched for f in figures.values()),
        refunded=sum(f.refunded for f in figures.values()),
        disbursed=sum(f.disbursed for f in figures.values()),
        fees=sum(f.fees for f in figures.values()),
        reallocated=sum(f.reallocated for f in figures.values()),
    )
