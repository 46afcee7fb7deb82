"""Console pages for proposals: my proposals / the review queue, the project form, the
project's page with its actions and audit trail, and the cover files."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, PathParameter
from litestar.response import Redirect, Template

from service.auth.guards import CurrentStaff, requires_owner_or_organizer, requires_staff
from service.auth.services import StaffIdentity
from service.auth.tables import StaffUser
from service.errors import InvalidInput
from service.events.editing import list_events
from service.events.workflow import OPEN_FOR_PUBLISHING
from service.orgs.services import list_organizations
from service.projects import covers, proposals, transitions
from service.projects.forms import as_list, cover_bytes, proposal_from_form, text
from service.projects.records import StaffProject
from service.projects.tables import BudgetLine, Project
from service.projects.workflow import (
    EDITABLE_BY_ORGANIZER,
    EDITABLE_BY_OWNER,
    TRANSITIONS,
    Action,
    allowed_actions,
)

ProjectId = Annotated[int, PathParameter(gt=0, le=2**31 - 1, description="Project id")]
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
UrlForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Role = StaffUser.Role
SPARE_BUDGET_ROWS = 3


async def _form_context(staff: StaffIdentity, project: StaffProject | None) -> dict[str, Any]:
    return {
        "staff": staff,
        "project": project,
        "communities": await list_organizations("community"),
        "organizations": await list_organizations() if staff.role is Role.organizer else [],
        "events": await list_events(),
        "categories": [c.value for c in Project.Category],
        "kinds": [k.value for k in BudgetLine.Kind],
        "spare_rows": SPARE_BUDGET_ROWS,
        "errors": {},
        "values": _values(project) if project else {},
    }


def _yuan_text(fen: int | None) -> str:
    return "" if fen is None else f"{fen // 100}.{fen % 100:02d}"


def _values(project: StaffProject) -> dict[str, Any]:
    """A stored project as the form's field values."""
    return {
        **{k: project[k] for k in ("title", "summary", "beneficiaries", "implementer", "timeline")},
        "category": project["category"],
        "community_id": str(project["community"]),
        "owner_org_id": str(project["owner_org"]),
        "event": str(project["event_number"] or ""),
        "minimum": _yuan_text(project["minimum_fen"]),
        "budget": [
            {"item": b["item"], "amount": _yuan_text(b["amount_fen"]), "kind": b["kind"]}
            for b in project["budget"]
        ],
    }


def _form_echo(data: dict[str, Any]) -> dict[str, Any]:
    """What the user typed, to refill the form after an error."""
    keys = ("title", "summary", "beneficiaries", "implementer", "timeline", "minimum")
    echo: dict[str, Any] = {key: text(data, key) for key in keys}
    echo["category"] = text(data, "category")
    echo["community_id"] = text(data, "community_id")
    echo["owner_org_id"] = text(data, "owner_org_id")
    echo["event"] = text(data, "event")
    items = as_list(data.get("budget_item"))
    amounts = as_list(data.get("budget_amount"))
    kinds = as_list(data.get("budget_kind"))
    echo["budget"] = [
        {
            "item": str(item),
            "amount": str(amounts[i]) if i < len(amounts) else "",
            "kind": str(kinds[i]) if i < len(kinds) else "other",
        }
        for i, item in enumerate(items)
        if str(item).strip() or (i < len(amounts) and str(amounts[i]).strip())
    ]
    return echo


async def _form_error(
    staff: StaffIdentity, project: StaffProject | None, data: dict[str, Any], exc: InvalidInput
) -> Template:
    context = await _form_context(staff, project)
    context["errors"] = {e.field: e.message for e in exc.errors}
    context["detail"] = exc.detail
    context["values"] = _form_echo(data)
    return Template("console/projects/form.html", context=context, status_code=400)


class ConsoleProjectPages(Controller):
    path = "/console/projects"
    include_in_schema = False

    @get("/", name="console_projects", guards=[requires_staff])
    async def index(self, staff: CurrentStaff) -> Template:
        rows = await proposals.list_for_staff(staff)
        queue = [r for r in rows if r["status"] == Project.Status.submitted.value]
        return Template(
            "console/projects/list.html",
            context={"staff": staff, "projects": rows, "queue": queue},
        )

    @get("/new", name="console_project_new", guards=[requires_owner_or_organizer])
    async def new(self, staff: CurrentStaff) -> Template:
        return Template("console/projects/form.html", context=await _form_context(staff, None))

    @post("/new", guards=[requires_owner_or_organizer])
    async def create(self, staff: CurrentStaff, data: Form) -> Response[Any]:
        try:
            proposal = proposal_from_form(data, staff.organization_id)
            cover = await cover_bytes(data)
            if cover is not None:
                covers.check_cover(cover)
            proposals.validate(proposal)
            project_id = await proposals.create_proposal(proposal, staff)
        except InvalidInput as exc:
            return await _form_error(staff, None, data, exc)
        if cover is not None:
            await covers.store_cover(project_id, cover, staff)
        return Redirect(f"/console/projects/{project_id}", status_code=303)

    @get("/{project_id:int}", name="console_project", guards=[requires_staff])
    async def detail(self, staff: CurrentStaff, project_id: ProjectId) -> Template:
        project = await proposals.get_for_staff(project_id, staff)
        status = Project.Status(project["status"])
        actions = allowed_actions(status, staff.role)
        return Template(
            "console/projects/detail.html",
            context={
                "staff": staff,
                "project": project,
                "actions": [(a.value, TRANSITIONS[a].needs_reason) for a in actions],
                "trail": await proposals.audit_trail(project_id, staff),
                "open_events": [
                    e
                    for e in await list_events()
                    if e["status"] in {s.value for s in OPEN_FOR_PUBLISHING}
                ],
                "editable": _editable(staff, status),
            },
        )

    @get(
        "/{project_id:int}/edit", name="console_project_edit", guards=[requires_owner_or_organizer]
    )
    async def edit(self, staff: CurrentStaff, project_id: ProjectId) -> Template:
        project = await proposals.get_for_staff(project_id, staff)
        return Template("console/projects/form.html", context=await _form_context(staff, project))

    @post("/{project_id:int}/edit", guards=[requires_owner_or_organizer])
    async def update(self, staff: CurrentStaff, project_id: ProjectId, data: Form) -> Response[Any]:
        project = await proposals.get_for_staff(project_id, staff)
        try:
            proposal = proposal_from_form(data, project["owner_org"])
            cover = await cover_bytes(data)
            if cover is not None:
                covers.check_cover(cover)
            await proposals.update_proposal(project_id, proposal, staff)
        except InvalidInput as exc:
            return await _form_error(staff, project, data, exc)
        if cover is not None:
            await covers.store_cover(project_id, cover, staff)
        return Redirect(f"/console/projects/{project_id}", status_code=303)

    @post("/{project_id:int}/actions/{action:str}", guards=[requires_owner_or_organizer])
    async def act(
        self,
        staff: CurrentStaff,
        project_id: ProjectId,
        action: Annotated[str, PathParameter(max_length=30)],
        data: UrlForm,
    ) -> Redirect:
        if action not in Action.__members__:
            raise InvalidInput.on("action", "unknown action")
        event = text(data, "event")
        await transitions.apply(
            project_id,
            Action(action),
            staff,
            reason=text(data, "reason"),
            event_number=int(event) if event.isdigit() and len(event) < 6 else None,
        )
        return Redirect(f"/console/projects/{project_id}", status_code=303)


def _editable(staff: StaffIdentity, status: Project.Status) -> bool:
    if staff.role is Role.project_owner:
        return status in EDITABLE_BY_OWNER
    return staff.role is Role.organizer and status in EDITABLE_BY_ORGANIZER


@get("/covers/{name:str}", name="cover", include_in_schema=False)
async def cover_file(name: Annotated[str, PathParameter(max_length=64)]) -> Response[bytes]:
    """Cover images by their random stored name (public: the name is unguessable), read
    from the file storage (a folder or an S3-compatible store)."""
    data = await covers.read_upload(name)
    return Response(
        data,
        media_type=covers.MEDIA_TYPES[name.rsplit(".", 1)[1]],
        headers={
            "Cache-Control": "public, max-age=86400",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
        },
    )
