import msgspec


class Totals(msgspec.Struct):
    """Figures in integer fen, derived from the ledger."""

    target: int
    pledged: int
    received: int
    outstanding: int
    matched: int
    refunded: int
    disbursed: int
    fees: int
    balance: int
    reallocated: int = 0
    """Net moved to the edition's general fund (negative for the general fund itself)."""


class BudgetLineOut(msgspec.Struct):
    item: str
    amount_fen: int
    kind: str


class ProjectOut(msgspec.Struct):
    id: int
    event_number: int
    title: str
    summary: str
    community: str
    owner: str
    category: str
    status: str
    beneficiaries: str
    implementer: str
    target_fen: int
    minimum_fen: int | None
    funded_percent: int
    totals: Totals


class ProjectDetail(ProjectOut):
    timeline: str
    budget: list[BudgetLineOut]
