"""Proposals in the console: drafting, editing and reading projects as staff see them.

A project owner sees and edits only the projects of their own organization; an organizer
sees all of them and may draft for any organization; an auditor reads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from service.audit.services import record
from service.audit.tables import AuditLog
from service.auth.services import StaffIdentity
from service.auth.tables import StaffUser
from service.db import write_transaction
from service.errors import FieldError, Forbidden, InvalidInput, NotAllowed, NotFound
from service.events.tables import Event
from service.i18n import gettext as _
from service.locks import lock_row
from service.orgs.tables import Organization
from service.projects.records import AuditLine, StaffProject
from service.projects.services import ProjectDraft, check_budget, create_project
from service.projects.tables import BudgetLine, Project
from service.projects.workflow import EDITABLE_BY_ORGANIZER, EDITABLE_BY_OWNER

Role = StaffUser.Role
Status = Project.Status

MAX_BUDGET_LINES = 50
MAX_LINE_FEN = 100_000_000_00  # 1 亿元 per line: far above any community project
TEXT_LIMITS = {
    "title": 200,
    "summary": 4000,
    "beneficiaries": 1000,
    "implementer": 200,
    "timeline": 2000,
}


@dataclass(frozen=True)
class ProposalInput:
    """What an owner or organizer sends for a project; `target_fen`, when given, must
    equal the sum of the budget lines (the target is never typed in independently)."""

    draft: ProjectDraft
    target_fen: int | None = None
    event_number: int | None = None


def validate(proposal: ProposalInput) -> int:
    """The target (sum of the lines), or InvalidInput naming every bad field."""
    draft = proposal.draft
    errors: list[FieldError] = []
    for field, limit in TEXT_LIMITS.items():
        value = getattr(draft, field)
        if len(value) > limit:
            errors.append(FieldError(field, _("不能超过%(n)s个字符。") % {"n": limit}))
    if not draft.title.strip():
        errors.append(FieldError("title", _("标题不能为空。")))
    if len(draft.budget) > MAX_BUDGET_LINES:
        errors.append(FieldError("budget", _("预算最多%(n)s行。") % {"n": MAX_BUDGET_LINES}))
    for index, line in enumerate(draft.budget):
        if len(line.item) > 200:
            errors.append(FieldError(f"budget[{index}].item", _("不能超过200个字符。")))
        if type(line.amount_fen) is int and line.amount_fen > MAX_LINE_FEN:
            errors.append(FieldError(f"budget[{index}].amount_fen", _("金额过大。")))
    try:
        target = check_budget(draft)
    except InvalidInput as exc:
        errors.extend(exc.errors)
        target = 0
    if not errors and proposal.target_fen is not None and proposal.target_fen != target:
        errors.append(
            FieldError(
                "target_fen",
                _("目标金额必须等于预算各行之和（%(sum)s 分）。") % {"sum": target},
            )
        )
    if errors:
        raise InvalidInput(_("项目内容不正确"), errors)
    return target


async def _check_references(proposal: ProposalInput, staff: StaffIdentity) -> ProjectDraft:
    """Owner org and community exist and are what they claim; the edition, if named, exists."""
    draft = proposal.draft
    if staff.role is Role.project_owner:
        if staff.organization_id is None:
            raise Forbidden.on("owner_org_id", _("你的账号没有绑定组织。"))
        draft = _replace(draft, owner_org_id=staff.organization_id)
    owner = (
        await Organization.select(Organization.id)
        .where(Organization.id == draft.owner_org_id)
        .first()
    )
    if owner is None:
        raise InvalidInput.on("owner_org_id", _("没有这个组织。"))
    community = (
        await Organization.select(Organization.kind)
        .where(Organization.id == draft.community_id)
        .first()
    )
    if community is None or community["kind"] != Organization.Kind.community.value:
        raise InvalidInput.on("community_id", _("请选择一个社区。"))
    if proposal.event_number is not None:
        event = await Event.select(Event.id).where(Event.number == proposal.event_number).first()
        if event is None:
            raise InvalidInput.on("event", _("没有这一届众筹会。"))
        draft = _replace(draft, event_id=event["id"])
    return draft


def _replace(draft: ProjectDraft, **changes: Any) -> ProjectDraft:
    return replace(draft, **changes)


async def create_proposal(proposal: ProposalInput, staff: StaffIdentity) -> int:
    """A new draft; always in status draft, whoever creates it."""
    validate(proposal)
    draft = _replace(await _check_references(proposal, staff), status=Status.draft)
    async with write_transaction():
        project_id = await create_project(draft)
        await record(
            staff.actor,
            "project.create",
            "project",
            project_id,
            data={"title": draft.title, "target_fen": check_budget(draft)},
        )
    return project_id


async def update_proposal(project_id: int, proposal: ProposalInput, staff: StaffIdentity) -> None:
    """Replace a proposal's content and budget while its status still allows editing."""
    target = validate(proposal)
    current = await get_for_staff(project_id, staff)
    if staff.role is Role.auditor:
        raise Forbidden.on("role", _("审计人员只能查看。"))
    draft = await _check_references(
        _with_owner(proposal, current["owner_org"] if staff.role is Role.organizer else None),
        staff,
    )
    editable = EDITABLE_BY_OWNER if staff.role is Role.project_owner else EDITABLE_BY_ORGANIZER
    async with write_transaction():
        await lock_row(Project, project_id)
        status = await Project.select(Project.status).where(Project.id == project_id).first()
        if Status(status["status"]) not in editable:
            raise NotAllowed.on("status", _("当前状态的项目不能修改。"))
        await Project.update(
            {
                Project.title: draft.title,
                Project.summary: draft.summary,
                Project.community: draft.community_id,
                Project.category: draft.category.value,
                Project.beneficiaries: draft.beneficiaries,
                Project.implementer: draft.implementer,
                Project.timeline: draft.timeline,
                Project.target_fen: target,
                Project.minimum_fen: draft.minimum_fen,
                Project.event: draft.event_id if draft.event_id else current["event"],
            }
        ).where(Project.id == project_id)
        await BudgetLine.delete().where(BudgetLine.project == project_id)
        await BudgetLine.insert(
            *[
                BudgetLine(
                    project=project_id,
                    position=position,
                    item=line.item,
                    amount_fen=line.amount_fen,
                    kind=line.kind.value,
                )
                for position, line in enumerate(draft.budget)
            ]
        )
        await record(
            staff.actor,
            "project.update",
            "project",
            project_id,
            data={"title": draft.title, "target_fen": target},
        )


def _with_owner(proposal: ProposalInput, owner_org_id: int | None) -> ProposalInput:
    """An organizer editing keeps the project's owner organization."""
    if owner_org_id is None:
        return proposal
    return ProposalInput(
        _replace(proposal.draft, owner_org_id=owner_org_id),
        proposal.target_fen,
        proposal.event_number,
    )


_STAFF_COLUMNS = (
    Project.id,
    Project.title,
    Project.summary,
    Project.category,
    Project.status,
    Project.target_fen,
    Project.minimum_fen,
    Project.beneficiaries,
    Project.implementer,
    Project.timeline,
    Project.review_note,
    Project.cover_image,
    Project.event,
    Project.owner_org,
    Project.community,
    Project.created_at,
    Project.published_at,
    Project.event.number.as_alias("event_number"),
    Project.community.name.as_alias("community_name"),
    Project.owner_org.name.as_alias("owner_name"),
)


def _scope(staff: StaffIdentity) -> Any:
    """Owners see their own organization's projects only."""
    if staff.role is Role.project_owner:
        return Project.owner_org == (staff.organization_id or -1)
    return None


async def get_for_staff(project_id: int, staff: StaffIdentity) -> StaffProject:
    where = Project.id == project_id
    scope = _scope(staff)
    if scope is not None:
        where &= scope
    row = await Project.select(*_STAFF_COLUMNS).where(where).first()
    if row is None:
        raise NotFound.on("id", _("没有这个项目，或你无权查看。"))
    row["budget"] = (
        await BudgetLine.select(BudgetLine.item, BudgetLine.amount_fen, BudgetLine.kind)
        .where(BudgetLine.project == project_id)
        .order_by(BudgetLine.position)
    )
    return row


async def list_for_staff(staff: StaffIdentity, status: str | None = None) -> list[StaffProject]:
    query = Project.select(*_STAFF_COLUMNS).order_by(Project.id, ascending=False)
    scope = _scope(staff)
    if scope is not None:
        query = query.where(scope)
    if status:
        query = query.where(Project.status == status)
    return await query


async def audit_trail(project_id: int, staff: StaffIdentity) -> list[AuditLine]:
    await get_for_staff(project_id, staff)  # same visibility as the project itself
    return (
        await AuditLog.select(
            AuditLog.created_at,
            AuditLog.actor_label,
            AuditLog.action,
            AuditLog.reason,
            AuditLog.data,
        )
        .where((AuditLog.object_type == "project") & (AuditLog.object_id == str(project_id)))
        .order_by(AuditLog.id)
        .output(load_json=True)
    )
