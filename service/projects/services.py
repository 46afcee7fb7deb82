"""Creating projects with their budgets, and reading the published portfolio."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from service.errors import FieldError, InvalidInput, NotFound
from service.i18n import gettext as _
from service.ledger.balances import FundFigures, event_fund_figures, project_fund_figures
from service.projects.records import ProjectListRow, PublicProject
from service.projects.tables import BudgetLine, Project

Status = Project.Status
PUBLIC = (
    Status.published.value,
    Status.funded.value,
    Status.in_progress.value,
    Status.completed.value,
)


@dataclass(frozen=True)
class BudgetLineDraft:
    item: str
    amount_fen: int
    kind: BudgetLine.Kind = BudgetLine.Kind.other


@dataclass(frozen=True)
class ProjectDraft:
    owner_org_id: int
    community_id: int
    title: str
    category: Project.Category
    budget: tuple[BudgetLineDraft, ...]
    summary: str = ""
    beneficiaries: str = ""
    implementer: str = ""
    timeline: str = ""
    minimum_fen: int | None = None
    event_id: int | None = None
    status: Status = Status.draft


def check_budget(draft: ProjectDraft) -> int:
    """The target (sum of the lines) or InvalidInput naming every bad line."""
    errors: list[FieldError] = []
    if not draft.budget:
        errors.append(FieldError("budget", _("至少需要一行预算。")))
    for index, line in enumerate(draft.budget):
        if not line.item.strip():
            errors.append(FieldError(f"budget[{index}].item", _("请填写支出事项。")))
        if type(line.amount_fen) is not int or line.amount_fen <= 0:
            errors.append(FieldError(f"budget[{index}].amount_fen", _("金额必须是正整数（分）。")))
    if errors:
        raise InvalidInput(_("预算不正确"), errors)
    target = sum(line.amount_fen for line in draft.budget)
    if draft.minimum_fen is not None and not 0 < draft.minimum_fen <= target:
        raise InvalidInput.on("minimum_fen", _("最低启动金额必须大于0且不超过目标金额。"))
    return target


async def create_project(draft: ProjectDraft) -> int:
    target = check_budget(draft)
    project = Project(
        event=draft.event_id,
        owner_org=draft.owner_org_id,
        community=draft.community_id,
        title=draft.title,
        summary=draft.summary,
        category=draft.category.value,
        beneficiaries=draft.beneficiaries,
        implementer=draft.implementer,
        timeline=draft.timeline,
        target_fen=target,
        minimum_fen=draft.minimum_fen,
        status=draft.status.value,
        published_at=dt.datetime.now(dt.UTC) if draft.status.value in PUBLIC else None,
    )
    await project.save()
    await BudgetLine.insert(
        *[
            BudgetLine(
                project=project.id,
                position=position,
                item=line.item,
                amount_fen=line.amount_fen,
                kind=line.kind.value,
            )
            for position, line in enumerate(draft.budget)
        ]
    )
    return project.id


_LIST_COLUMNS = (
    Project.id,
    Project.title,
    Project.summary,
    Project.category,
    Project.status,
    Project.target_fen,
    Project.minimum_fen,
    Project.beneficiaries,
    Project.implementer,
    Project.cover_image,
    Project.event,
    Project.event.number.as_alias("event_number"),
    Project.event.status.as_alias("event_status"),
    Project.community.name.as_alias("community"),
    Project.owner_org.name.as_alias("owner"),
)


@dataclass(frozen=True)
class PortfolioFilter:
    community: str | None = None
    category: str | None = None
    status: str | None = None


def with_figures(row: ProjectListRow, figures: FundFigures) -> PublicProject:
    target = row["target_fen"]
    return {
        **row,
        "totals": {"target": target, **figures.as_dict()},
        "funded_percent": min(100, figures.received * 100 // target) if target else 0,
        "cover_url": f"/covers/{row['cover_image']}" if row.get("cover_image") else None,
    }


def filter_portfolio(rows: list[PublicProject], filters: PortfolioFilter) -> list[PublicProject]:
    """`list_public_projects`' filters applied to rows already read."""
    return [
        row
        for row in rows
        if (not filters.community or row["community"] == filters.community)
        and (not filters.category or row["category"] == filters.category)
        and (not filters.status or row["status"] == filters.status)
    ]


async def list_public_projects(
    event_id: int,
    filters: PortfolioFilter | None = None,
    figures: dict[int | None, FundFigures] | None = None,
) -> list[PublicProject]:
    """Published projects of an edition with their ledger figures (`figures`, when the
    caller has read them already)."""
    filters = filters or PortfolioFilter()
    where = (Project.event == event_id) & Project.status.is_in(list(PUBLIC))
    if filters.community:
        where &= Project.community.name == filters.community
    if filters.category:
        where &= Project.category == filters.category
    if filters.status:
        where &= Project.status == filters.status
    rows = await Project.select(*_LIST_COLUMNS).where(where).order_by(Project.id)
    if figures is None:
        figures = await event_fund_figures(event_id)
    return [with_figures(row, figures.get(row["id"], FundFigures())) for row in rows]


async def get_public_project(project_id: int) -> PublicProject:
    return (await public_project_and_figures(project_id))[0]


async def public_project_and_figures(project_id: int) -> tuple[PublicProject, FundFigures]:
    """A published project with its figures, and the figures themselves (for pages that
    show them again, e.g. the fund-use disclosure: its running balances read once)."""
    row = (
        await Project.select(*_LIST_COLUMNS, Project.timeline)
        .where((Project.id == project_id) & Project.status.is_in(list(PUBLIC)))
        .first()
    )
    if row is None:
        raise NotFound.on("id", f"no published project {project_id}")
    row["budget"] = (
        await BudgetLine.select(BudgetLine.item, BudgetLine.amount_fen, BudgetLine.kind)
        .where(BudgetLine.project == project_id)
        .order_by(BudgetLine.position)
    )
    figures = await project_fund_figures(project_id)
    return with_figures(row, figures), figures
