"""Disbursements over HTTP: the staff API, the console pages (request with evidence,
approve or reject, record the payout) and the evidence files (public ones to everyone,
internal ones to staff)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody, PathParameter, QueryParameter
from litestar.response import Redirect, Template

from service.auth.guards import (
    CurrentStaff,
    requires_organizer,
    requires_owner_or_organizer,
    requires_staff,
)
from service.auth.services import StaffIdentity
from service.auth.tables import StaffUser
from service.disbursements import evidence as files
from service.disbursements import queries, services
from service.disbursements.forms import paid_on_field, request_from_form
from service.disbursements.records import EvidenceFile
from service.disbursements.requests import may_act_for, submit_request
from service.disbursements.schemas import (
    DecisionIn,
    DisbursementCreated,
    DisbursementOut,
    PayoutIn,
)
from service.disbursements.settlement_pages import SettlementApi, SettlementPages
from service.disbursements.tables import Disbursement, DisbursementEvidence
from service.errors import InvalidInput, NotAllowed, NotFound
from service.i18n import gettext as _
from service.ledger.balances import project_fund_figures
from service.pledges.forms import text
from service.projects.tables import BudgetLine

ProjectId = Annotated[int, PathParameter(gt=0, le=2**31 - 1, description="Project id")]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
UrlForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
FileName = Annotated[str, PathParameter(max_length=64)]
StatusFilter = Annotated[
    str | None, QueryParameter(max_length=20, description="requested, approved, paid, rejected")
]


def _status(value: str | None) -> str | None:
    if value and value not in Disbursement.Status.__members__:
        raise InvalidInput.on("status", _("取值无效：%(v)s") % {"v": value[:20]})
    return value or None


class DisbursementApi(Controller):
    path = "/api/v1/console"
    tags = ["disbursements"]

    @post(
        "/projects/{project_id:int}/disbursements",
        operation_id="requestDisbursement",
        guards=[requires_owner_or_organizer],
        status_code=201,
        request_max_body_size=files.MAX_REQUEST_BYTES,
    )
    async def request(
        self, project_id: ProjectId, staff: CurrentStaff, data: Multipart
    ) -> DisbursementCreated:
        """multipart/form-data: amount_fen, payee, purpose, budget_line_id and/or milestone,
        evidence_0…evidence_N files with evidence_kind_i, evidence_title_i, evidence_public_i."""
        request = await request_from_form(project_id, data)
        disbursement_id = await submit_request(request, staff)
        return DisbursementCreated(disbursement_id, Disbursement.Status.requested.value)

    @get("/disbursements", operation_id="listDisbursements", guards=[requires_staff])
    async def list(self, staff: CurrentStaff, status: StatusFilter = None) -> list[DisbursementOut]:
        rows = await queries.list_for_staff(staff, status=_status(status))
        return msgspec.convert(rows, list[DisbursementOut])

    @get(
        "/disbursements/{disbursement_id:uuid}",
        operation_id="getDisbursement",
        guards=[requires_staff],
    )
    async def detail(
        self, disbursement_id: FromPath[uuid.UUID], staff: CurrentStaff
    ) -> DisbursementOut:
        row = await queries.get_for_staff(disbursement_id, staff)
        return msgspec.convert(row, DisbursementOut)

    @post(
        "/disbursements/{disbursement_id:uuid}/approve",
        operation_id="approveDisbursement",
        guards=[requires_organizer],
        status_code=200,
    )
    async def approve(
        self, disbursement_id: FromPath[uuid.UUID], staff: CurrentStaff, data: JSONBody[DecisionIn]
    ) -> DisbursementOut:
        await services.approve_disbursement(disbursement_id, staff.actor, data.reason)
        return msgspec.convert(await queries.get_for_staff(disbursement_id, staff), DisbursementOut)

    @post(
        "/disbursements/{disbursement_id:uuid}/reject",
        operation_id="rejectDisbursement",
        guards=[requires_organizer],
        status_code=200,
    )
    async def reject(
        self, disbursement_id: FromPath[uuid.UUID], staff: CurrentStaff, data: JSONBody[DecisionIn]
    ) -> DisbursementOut:
        await services.reject_disbursement(disbursement_id, staff.actor, data.reason)
        return msgspec.convert(await queries.get_for_staff(disbursement_id, staff), DisbursementOut)

    @post(
        "/disbursements/{disbursement_id:uuid}/pay",
        operation_id="recordDisbursementPayout",
        guards=[requires_organizer],
        status_code=200,
    )
    async def pay(
        self, disbursement_id: FromPath[uuid.UUID], staff: CurrentStaff, data: JSONBody[PayoutIn]
    ) -> DisbursementOut:
        if not data.bank_reference.strip():
            raise InvalidInput.on("bank_reference", _("请填写银行流水号。"))
        await services.mark_disbursement_paid(
            disbursement_id, staff.actor, bank_reference=data.bank_reference, paid_on=data.paid_on
        )
        return msgspec.convert(await queries.get_for_staff(disbursement_id, staff), DisbursementOut)


async def _form_context(project_id: int, staff: StaffIdentity) -> dict[str, Any]:
    project = await may_act_for(project_id, staff)
    figures = await project_fund_figures(project_id)
    return {
        "staff": staff,
        "project": project,
        "budget": await BudgetLine.select(BudgetLine.id, BudgetLine.item, BudgetLine.amount_fen)
        .where(BudgetLine.project == project_id)
        .order_by(BudgetLine.position),
        "balance_fen": figures.balance,
        "available_fen": await services.available_fen(project_id),
        "kinds": [k.value for k in DisbursementEvidence.Kind],
        "rows": range(3),
        "errors": {},
        "values": {},
    }


class DisbursementPages(Controller):
    include_in_schema = False

    @get("/console/disbursements", name="console_disbursements", guards=[requires_staff])
    async def index(self, staff: CurrentStaff, status: StatusFilter = None) -> Template:
        rows = await queries.list_for_staff(staff, status=_status(status))
        return Template(
            "console/disbursements/list.html",
            context={"staff": staff, "rows": rows, "status": status or ""},
        )

    @get(
        "/console/projects/{project_id:int}/disbursements/new",
        name="console_disbursement_new",
        guards=[requires_owner_or_organizer],
    )
    async def new(self, project_id: ProjectId, staff: CurrentStaff) -> Template:
        return Template(
            "console/disbursements/new.html", context=await _form_context(project_id, staff)
        )

    @post(
        "/console/projects/{project_id:int}/disbursements/new",
        guards=[requires_owner_or_organizer],
        request_max_body_size=files.MAX_REQUEST_BYTES,
    )
    async def create(
        self, project_id: ProjectId, staff: CurrentStaff, data: Multipart
    ) -> Response[Any]:
        try:
            request = await request_from_form(project_id, data)
            disbursement_id = await submit_request(request, staff)
        except InvalidInput as exc:
            return await self._form_error(project_id, staff, data, exc, 400)
        except NotAllowed as exc:
            return await self._form_error(project_id, staff, data, exc, 422)
        return Redirect(f"/console/disbursements/{disbursement_id}", status_code=303)

    async def _form_error(
        self,
        project_id: int,
        staff: StaffIdentity,
        data: dict[str, Any],
        exc: InvalidInput | NotAllowed,
        status: int,
    ) -> Template:
        context = await _form_context(project_id, staff)
        context["errors"] = {e.field: e.message for e in exc.errors}
        context["detail"] = exc.detail
        context["values"] = {
            k: text(data, k) for k in ("amount", "payee", "purpose", "milestone", "budget_line_id")
        }
        return Template("console/disbursements/new.html", context=context, status_code=status)

    @get(
        "/console/disbursements/{disbursement_id:uuid}",
        name="console_disbursement",
        guards=[requires_staff],
    )
    async def detail(self, disbursement_id: FromPath[uuid.UUID], staff: CurrentStaff) -> Template:
        row = await queries.get_for_staff(disbursement_id, staff)
        figures = await project_fund_figures(row["project"])
        return Template(
            "console/disbursements/detail.html",
            context={"staff": staff, "d": row, "balance_fen": figures.balance},
        )

    @post(
        "/console/disbursements/{disbursement_id:uuid}/{action:str}",
        guards=[requires_organizer],
    )
    async def act(
        self,
        disbursement_id: FromPath[uuid.UUID],
        action: Annotated[str, PathParameter(max_length=20)],
        staff: CurrentStaff,
        data: UrlForm,
    ) -> Redirect:
        reason = text(data, "reason")
        if action == "approve":
            await services.approve_disbursement(disbursement_id, staff.actor, reason)
        elif action == "reject":
            await services.reject_disbursement(disbursement_id, staff.actor, reason)
        elif action == "pay":
            reference = text(data, "bank_reference")
            if not reference:
                raise InvalidInput.on("bank_reference", _("请填写银行流水号。"))
            await services.mark_disbursement_paid(
                disbursement_id,
                staff.actor,
                bank_reference=reference,
                paid_on=paid_on_field(text(data, "paid_on")),
            )
        else:
            raise InvalidInput.on("action", _("取值无效：%(v)s") % {"v": action[:20]})
        return Redirect(f"/console/disbursements/{disbursement_id}", status_code=303)


async def _file_response(row: EvidenceFile, *, public: bool) -> Response[bytes]:
    """The file from the storage (a folder or a bucket), with the route's access rules."""
    return Response(
        await files.read_file(row["stored_name"]),
        media_type=row["media_type"],
        headers={
            "Content-Disposition": "inline",
            "Cache-Control": "public, max-age=86400" if public else "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@get("/evidence/{name:str}", name="evidence_public", include_in_schema=False)
async def public_evidence(name: FileName) -> Response[bytes]:
    """Evidence marked public, of a paid disbursement (the name is random and unguessable)."""
    return await _file_response(await queries.evidence_file(name, public_only=True), public=True)


@get(
    "/console/evidence/{name:str}",
    name="evidence_staff",
    guards=[requires_staff],
    include_in_schema=False,  # a console file, not an API operation
)
async def staff_evidence(name: FileName, staff: CurrentStaff) -> Response[bytes]:
    row = await queries.evidence_file(name, public_only=False)
    if staff.role is StaffUser.Role.project_owner and row["owner_org"] != staff.organization_id:
        raise NotFound.on("name", _("没有这个文件。"))
    return await _file_response(row, public=False)


ROUTES = [
    DisbursementApi,
    DisbursementPages,
    public_evidence,
    staff_evidence,
    SettlementPages,
    SettlementApi,
]
