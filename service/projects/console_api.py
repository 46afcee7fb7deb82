"""The staff JSON API for proposals: drafting, editing, the review actions and the audit
trail. Owners act for their own organization; organizers review and publish."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.params import JSONBody, PathParameter, QueryParameter

from service.auth.guards import (
    CurrentStaff,
    requires_organizer,
    requires_owner_or_organizer,
    requires_project_owner,
    requires_staff,
)
from service.auth.services import StaffIdentity
from service.errors import FieldError, InvalidInput
from service.i18n import gettext as _
from service.projects import covers, proposals, transitions
from service.projects.proposals import ProposalInput
from service.projects.records import StaffProject
from service.projects.schemas import (
    ActionIn,
    AuditEntryOut,
    BudgetLineOut,
    ProposalIn,
    StaffProjectOut,
    StaffProjectSummary,
)
from service.projects.services import BudgetLineDraft, ProjectDraft
from service.projects.tables import BudgetLine, Project
from service.projects.workflow import Action, allowed_actions

ProjectId = Annotated[int, PathParameter(gt=0, le=2**31 - 1, description="Project id")]


def _enum(enum: type[Any], value: str, field: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        raise InvalidInput.on(field, _("取值无效：%(v)s") % {"v": value[:40]}) from None


def proposal_input(data: ProposalIn, staff: StaffIdentity) -> ProposalInput:
    errors: list[FieldError] = []
    lines = []
    for index, line in enumerate(data.budget):
        try:
            kind = _enum(BudgetLine.Kind, line.kind, f"budget[{index}].kind")
        except InvalidInput as exc:
            errors.extend(exc.errors)
            kind = BudgetLine.Kind.other
        lines.append(BudgetLineDraft(line.item.strip(), line.amount_fen, kind))
    try:
        category = _enum(Project.Category, data.category, "category")
    except InvalidInput as exc:
        errors.extend(exc.errors)
        category = Project.Category.other
    owner = data.owner_org_id if data.owner_org_id is not None else staff.organization_id
    if owner is None:
        errors.append(FieldError("owner_org_id", _("请选择申报单位。")))
    if errors:
        raise InvalidInput(_("项目内容不正确"), errors)
    draft = ProjectDraft(
        owner_org_id=owner or 0,
        community_id=data.community_id,
        title=data.title.strip(),
        category=category,
        budget=tuple(lines),
        summary=data.summary.strip(),
        beneficiaries=data.beneficiaries.strip(),
        implementer=data.implementer.strip(),
        timeline=data.timeline.strip(),
        minimum_fen=data.minimum_fen,
    )
    return ProposalInput(draft, data.target_fen, data.event)


def staff_project_out(row: StaffProject, staff: StaffIdentity) -> StaffProjectOut:
    return StaffProjectOut(
        id=row["id"],
        title=row["title"],
        status=row["status"],
        category=row["category"],
        summary=row["summary"],
        beneficiaries=row["beneficiaries"],
        implementer=row["implementer"],
        timeline=row["timeline"],
        target_fen=row["target_fen"],
        minimum_fen=row["minimum_fen"],
        event_number=row["event_number"],
        owner_org_id=row["owner_org"],
        owner_name=row["owner_name"],
        community_id=row["community"],
        community_name=row["community_name"],
        review_note=row["review_note"],
        cover_url=f"/covers/{row['cover_image']}" if row["cover_image"] else None,
        budget=[BudgetLineOut(**line) for line in row["budget"]],
        allowed_actions=[
            a.value for a in allowed_actions(Project.Status(row["status"]), staff.role)
        ],
    )


class ConsoleProjectApi(Controller):
    path = "/api/v1/console/projects"
    tags = ["console: projects"]

    @get("/", operation_id="listStaffProjects", guards=[requires_staff])
    async def list_projects(
        self,
        staff: CurrentStaff,
        status: Annotated[str | None, QueryParameter(max_length=30)] = None,
    ) -> list[StaffProjectSummary]:
        rows = await proposals.list_for_staff(staff, status)
        return [
            StaffProjectSummary(
                id=r["id"],
                title=r["title"],
                status=r["status"],
                category=r["category"],
                target_fen=r["target_fen"],
                event_number=r["event_number"],
                owner_name=r["owner_name"],
                community_name=r["community_name"],
            )
            for r in rows
        ]

    @post("/", operation_id="createProposal", guards=[requires_owner_or_organizer])
    async def create(self, staff: CurrentStaff, data: JSONBody[ProposalIn]) -> StaffProjectOut:
        project_id = await proposals.create_proposal(proposal_input(data, staff), staff)
        return staff_project_out(await proposals.get_for_staff(project_id, staff), staff)

    @get("/{project_id:int}", operation_id="getStaffProject", guards=[requires_staff])
    async def get_project(self, staff: CurrentStaff, project_id: ProjectId) -> StaffProjectOut:
        return staff_project_out(await proposals.get_for_staff(project_id, staff), staff)

    @put("/{project_id:int}", operation_id="updateProposal", guards=[requires_owner_or_organizer])
    async def update(
        self, staff: CurrentStaff, project_id: ProjectId, data: JSONBody[ProposalIn]
    ) -> StaffProjectOut:
        await proposals.update_proposal(project_id, proposal_input(data, staff), staff)
        return staff_project_out(await proposals.get_for_staff(project_id, staff), staff)

    @put(
        "/{project_id:int}/cover",
        operation_id="uploadProjectCover",
        guards=[requires_owner_or_organizer],
        description="Raw image bytes (PNG, JPEG or WebP, at most 2 MB) as the request body.",
    )
    async def upload_cover(
        self, request: Request, staff: CurrentStaff, project_id: ProjectId
    ) -> StaffProjectOut:
        body = await request.body()
        await covers.store_cover(project_id, body, staff)
        return staff_project_out(await proposals.get_for_staff(project_id, staff), staff)

    @get("/{project_id:int}/audit", operation_id="getProjectAudit", guards=[requires_staff])
    async def audit(self, staff: CurrentStaff, project_id: ProjectId) -> list[AuditEntryOut]:
        rows = await proposals.audit_trail(project_id, staff)
        return [
            AuditEntryOut(r["created_at"], r["actor_label"], r["action"], r["reason"], r["data"])
            for r in rows
        ]

    async def _act(
        self, staff: StaffIdentity, project_id: int, action: Action, data: ActionIn | None
    ) -> StaffProjectOut:
        data = data or ActionIn()
        await transitions.apply(
            project_id, action, staff, reason=data.reason, event_number=data.event
        )
        return staff_project_out(await proposals.get_for_staff(project_id, staff), staff)

    @post(
        "/{project_id:int}/submit", operation_id="submitProposal", guards=[requires_project_owner]
    )
    async def submit(
        self, staff: CurrentStaff, project_id: ProjectId, data: JSONBody[ActionIn | None] = None
    ) -> StaffProjectOut:
        return await self._act(staff, project_id, Action.submit, data)

    @post("/{project_id:int}/approve", operation_id="approveProject", guards=[requires_organizer])
    async def approve(
        self, staff: CurrentStaff, project_id: ProjectId, data: JSONBody[ActionIn | None] = None
    ) -> StaffProjectOut:
        return await self._act(staff, project_id, Action.approve, data)

    @post("/{project_id:int}/reject", operation_id="rejectProject", guards=[requires_organizer])
    async def reject(
        self, staff: CurrentStaff, project_id: ProjectId, data: JSONBody[ActionIn]
    ) -> StaffProjectOut:
        return await self._act(staff, project_id, Action.reject, data)

    @post(
        "/{project_id:int}/request-changes",
        operation_id="requestProjectChanges",
        guards=[requires_organizer],
    )
    async def request_changes(
        self, staff: CurrentStaff, project_id: ProjectId, data: JSONBody[ActionIn]
    ) -> StaffProjectOut:
        return await self._act(staff, project_id, Action.request_changes, data)

    @post("/{project_id:int}/publish", operation_id="publishProject", guards=[requires_organizer])
    async def publish(
        self, staff: CurrentStaff, project_id: ProjectId, data: JSONBody[ActionIn | None] = None
    ) -> StaffProjectOut:
        return await self._act(staff, project_id, Action.publish, data)

    @post(
        "/{project_id:int}/mark-funded",
        operation_id="markProjectFunded",
        guards=[requires_organizer],
    )
    async def mark_funded(
        self, staff: CurrentStaff, project_id: ProjectId, data: JSONBody[ActionIn | None] = None
    ) -> StaffProjectOut:
        return await self._act(staff, project_id, Action.mark_funded, data)

    @post("/{project_id:int}/start", operation_id="startProject", guards=[requires_organizer])
    async def start(
        self, staff: CurrentStaff, project_id: ProjectId, data: JSONBody[ActionIn | None] = None
    ) -> StaffProjectOut:
        return await self._act(staff, project_id, Action.start, data)

    @post("/{project_id:int}/complete", operation_id="completeProject", guards=[requires_organizer])
    async def complete(
        self, staff: CurrentStaff, project_id: ProjectId, data: JSONBody[ActionIn | None] = None
    ) -> StaffProjectOut:
        return await self._act(staff, project_id, Action.complete, data)

    @post("/{project_id:int}/cancel", operation_id="cancelProject", guards=[requires_organizer])
    async def cancel(
        self, staff: CurrentStaff, project_id: ProjectId, data: JSONBody[ActionIn]
    ) -> StaffProjectOut:
        return await self._act(staff, project_id, Action.cancel, data)
