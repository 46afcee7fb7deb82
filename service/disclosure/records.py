"""The shapes of the fund-use disclosure the services assemble from rows (Piccolo
selects are plain dicts): typed records that document the keys, nothing at run time."""

from __future__ import annotations

from typing import TypedDict

from service.disbursements.records import PaidDisbursementRow
from service.disclosure.calendar import ProjectCalendar
from service.ledger.balances import FundFigures
from service.progress.records import TimelineReport


class BudgetLineRow(TypedDict):
    """A project's budget line as the disclosure reads it (`fund_use.fund_use`)."""

    id: int
    project: int
    item: str
    amount_fen: int


class LineSpendingRow(TypedDict):
    """A budget line with what was paid against it; `item` None for payments against
    no line (`fund_use.spending_by_line`)."""

    item: str | None
    budget_fen: int
    spent_fen: int


class FundUse(TypedDict):
    """A project's fund use: disbursements, spending per line, progress, calendar
    (`fund_use.fund_use`)."""

    disbursements: list[PaidDisbursementRow]
    by_line: list[LineSpendingRow]
    timeline: list[TimelineReport]
    calendar: ProjectCalendar


class ProjectDisclosure(FundUse):
    """A project's fund use with its ledger figures (`fund_use.project_disclosure`)."""

    figures: FundFigures


class DonorProject(ProjectDisclosure):
    """A project a donor's money went to (`fund_use.donor_projects`)."""

    project: int
    title: str
    status: str
