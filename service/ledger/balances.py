"""Fund figures derived from the ledger alone (docs/architecture.md, Money invariants 5)."""

from __future__ import annotations

from dataclasses import dataclass

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

_TOTALS_SQL = """
SELECT a.type AS type, a.project AS project, SUM(e.amount_fen) AS total
FROM ledger_entry e
JOIN ledger_account a ON a.id = e.account
LEFT JOIN project p ON p.id = a.project
WHERE (p.event = {} OR (a.project IS NULL AND a.event = {}))
GROUP BY a.type, a.project
"""


async def event_fund_figures(event_id: int) -> dict[int | None, FundFigures]:
    """Figures per project of the edition; key None is the edition's general fund."""
    rows = await LedgerEntry.raw(_TOTALS_SQL, event_id, event_id)
    totals: dict[int | None, dict[str, int]] = {}
    for row in rows:
        totals.setdefault(row["project"], {})[row["type"]] = int(row["total"])
    return {key: FundFigures.from_account_totals(value) for key, value in totals.items()}


async def project_fund_figures(project_id: int) -> FundFigures:
    rows = await LedgerEntry.raw(
        """
        SELECT a.type AS type, SUM(e.amount_fen) AS total
        FROM ledger_entry e JOIN ledger_account a ON a.id = e.account
        WHERE a.project = {}
        GROUP BY a.type
        """,
        project_id,
    )
    return FundFigures.from_account_totals({row["type"]: int(row["total"]) for row in rows})


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
