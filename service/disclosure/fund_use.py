"""Fund-use disclosure: for a project, what came in and what went out — raised, matched,
disbursed, balance (from the ledger), spending per budget line against the budget, the
paid disbursements with their public evidence, the progress timeline and the disclosure
calendar's state. The public project page, the API and each donor's link show it."""

from __future__ import annotations

from collections.abc import Iterable

from service.clock import today
from service.disbursements.queries import paid_for_projects
from service.disbursements.records import PaidDisbursementRow
from service.disclosure.calendar import calendars
from service.disclosure.records import (
    BudgetLineRow,
    DonorProject,
    FundUse,
    LineSpendingRow,
    ProjectDisclosure,
)
from service.ledger.balances import FundFigures, project_fund_figures
from service.pledges.tables import Pledge
from service.progress.services import timelines
from service.projects.tables import BudgetLine, Project


def spending_by_line(
    budget: list[BudgetLineRow], disbursements: list[PaidDisbursementRow]
) -> list[LineSpendingRow]:
    """Each budget line with what was paid against it; payments against no line (a
    milestone) last, as their own row."""
    spent: dict[int | None, int] = {}
    for d in disbursements:
        spent[d["budget_line"]] = spent.get(d["budget_line"], 0) + d["amount_fen"]
    rows: list[LineSpendingRow] = [
        {
            "item": line["item"],
            "budget_fen": line["amount_fen"],
            "spent_fen": spent.get(line["id"], 0),
        }
        for line in budget
    ]
    if spent.get(None):
        rows.append({"item": None, "budget_fen": 0, "spent_fen": spent[None]})
    return rows


async def fund_use(project_ids: Iterable[int]) -> dict[int, FundUse]:
    """The disclosure of several projects at once (a donor's link names several)."""
    ids = list(project_ids)
    if not ids:
        return {}
    paid = await paid_for_projects(ids)
    reports = await timelines(ids)
    dates = await calendars(ids, today())
    budget_rows = (
        await BudgetLine.select(
            BudgetLine.id, BudgetLine.project, BudgetLine.item, BudgetLine.amount_fen
        )
        .where(BudgetLine.project.is_in(ids))
        .order_by(BudgetLine.position)
    )
    budgets: dict[int, list[BudgetLineRow]] = {}
    for line in budget_rows:
        budgets.setdefault(line["project"], []).append(line)
    found: dict[int, FundUse] = {}
    for project_id in ids:
        disbursements = paid.get(project_id, [])
        found[project_id] = {
            "disbursements": disbursements,
            "by_line": spending_by_line(budgets.get(project_id, []), disbursements),
            "timeline": reports.get(project_id, []),
            "calendar": dates[project_id],
        }
    return found


async def project_disclosure(
    project_id: int, figures: FundFigures | None = None
) -> ProjectDisclosure:
    """`figures`: the project's, when the caller has read them already."""
    if figures is None:
        figures = await project_fund_figures(project_id)
    return {**(await fund_use([project_id]))[project_id], "figures": figures}


async def donor_projects(donor_id: object) -> list[DonorProject]:
    """Where a donor's money went: every project they gave to (paid something), and any
    their gift was moved to with their consent, with figures, disbursements and progress."""
    rows = await Pledge.raw(
        """
        SELECT x.project AS project, p.title AS title, p.status AS status
        FROM (
            SELECT pl.project AS project
            FROM pledge pl
            JOIN payment py ON py.pledge = pl.id AND py.status = 'succeeded'
            WHERE pl.donor = {} AND pl.project IS NOT NULL
            UNION
            SELECT r.target_project AS project
            FROM fund_reallocation r
            JOIN payment py ON py.id = r.payment
            JOIN pledge pl ON pl.id = py.pledge
            WHERE pl.donor = {} AND r.target_project IS NOT NULL
        ) x
        JOIN project p ON p.id = x.project
        ORDER BY x.project
        """,
        donor_id,
        donor_id,
    )
    if not rows:
        return []
    uses = await fund_use([row["project"] for row in rows])
    result: list[DonorProject] = []
    for row in rows:
        figures: FundFigures = await project_fund_figures(row["project"])
        result.append({**row, **uses[row["project"]], "figures": figures})
    return result


PUBLIC_STATUSES = {
    Project.Status.published.value,
    Project.Status.funded.value,
    Project.Status.in_progress.value,
    Project.Status.completed.value,
}
