"""A disbursement request as people make it (console form or API): who may ask, what the
request must carry (budget line or milestone, payee, purpose, evidence), the evidence
files checked and stored, then `services.request_disbursement` decides under the
project's lock. Every field is checked before anything is written; files written for a
request that is then refused are removed again."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from service.auth.services import StaffIdentity
from service.auth.tables import StaffUser
from service.disbursements import evidence as files
from service.disbursements.records import RequestableProject
from service.disbursements.services import DisbursementDraft, EvidenceRecord, request_disbursement
from service.disbursements.tables import DisbursementEvidence
from service.errors import FieldError, Forbidden, InvalidInput, NotFound
from service.i18n import gettext as _
from service.projects.tables import BudgetLine, Project

Role = StaffUser.Role
MAY_REQUEST = (Project.Status.funded, Project.Status.in_progress)
LIMITS = {"milestone": 200, "payee": 200, "purpose": 2000}


@dataclass(frozen=True)
class EvidenceUpload:
    data: bytes
    filename: str = ""
    kind: str = "other"
    title: str = ""
    public: bool = False


@dataclass(frozen=True)
class RequestInput:
    project_id: int
    amount_fen: int
    payee: str
    purpose: str
    milestone: str = ""
    budget_line_id: int | None = None
    evidence: tuple[EvidenceUpload, ...] = field(default_factory=tuple)


async def may_act_for(project_id: int, staff: StaffIdentity) -> RequestableProject:
    """The project, if `staff` may request for it: its owner organization's staff, or an
    organizer acting for them. Others get 404 (they may not know it exists)."""
    row = (
        await Project.select(Project.id, Project.owner_org, Project.title, Project.status)
        .where(Project.id == project_id)
        .first()
    )
    if row is None or (
        staff.role is Role.project_owner and row["owner_org"] != staff.organization_id
    ):
        raise NotFound.on("project_id", _("没有这个项目，或你无权查看。"))
    if staff.role not in (Role.project_owner, Role.organizer):
        raise Forbidden.on("role", _("审计人员只能查看。"))
    return row


def _check_fields(request: RequestInput) -> list[FieldError]:
    errors: list[FieldError] = []
    if type(request.amount_fen) is not int or request.amount_fen <= 0:
        errors.append(FieldError("amount_fen", _("金额必须大于0。")))
    if not request.payee.strip():
        errors.append(FieldError("payee", _("请填写收款单位（实施方）。")))
    if not request.purpose.strip():
        errors.append(FieldError("purpose", _("请说明这笔钱的用途。")))
    if request.budget_line_id is None and not request.milestone.strip():
        errors.append(FieldError("budget_line_id", _("请选择预算行或填写里程碑。")))
    for name, limit in LIMITS.items():
        if len(getattr(request, name)) > limit:
            errors.append(FieldError(name, _("不能超过%(n)s个字符。") % {"n": limit}))
    if not request.evidence:
        errors.append(FieldError("evidence", _("请至少上传一份凭证（发票、合同、验收单或照片）。")))
    if len(request.evidence) > files.MAX_FILES:
        errors.append(FieldError("evidence", _("凭证最多%(n)s个文件。") % {"n": files.MAX_FILES}))
    return errors


async def _milestone(request: RequestInput) -> str:
    """The milestone text: as typed, else the budget line's item."""
    if request.milestone.strip() or request.budget_line_id is None:
        return request.milestone.strip()
    line = (
        await BudgetLine.select(BudgetLine.item)
        .where(
            (BudgetLine.id == request.budget_line_id) & (BudgetLine.project == request.project_id)
        )
        .first()
    )
    if line is None:
        raise InvalidInput.on("budget_line_id", _("这一行预算不属于该项目。"))
    return line["item"]


async def submit_request(request: RequestInput, staff: StaffIdentity) -> uuid.UUID:
    await may_act_for(request.project_id, staff)
    errors = _check_fields(request)
    checked: list[tuple[files.CheckedFile, EvidenceUpload]] = []
    for index, upload in enumerate(request.evidence):
        try:
            checked.append((files.check_file(upload.data, f"evidence[{index}]"), upload))
        except InvalidInput as exc:
            errors.extend(exc.errors)
    if errors:
        raise InvalidInput(_("拨付申请不完整"), errors)
    milestone = await _milestone(request)
    written: list[str] = []
    try:
        records = []
        for item, upload in checked:
            name = files.write_file(item)
            written.append(name)
            kind = upload.kind if upload.kind in DisbursementEvidence.Kind.__members__ else "other"
            records.append(
                EvidenceRecord(
                    stored_name=name,
                    media_type=item.media_type,
                    size_bytes=item.size_bytes,
                    sha256=item.sha256,
                    kind=DisbursementEvidence.Kind(kind),
                    title=upload.title or upload.filename,
                    public=upload.public,
                )
            )
        return await request_disbursement(
            DisbursementDraft(
                project_id=request.project_id,
                milestone=milestone,
                amount_fen=request.amount_fen,
                payee=request.payee.strip(),
                budget_line_id=request.budget_line_id,
                purpose=request.purpose.strip(),
            ),
            staff.actor,
            evidence=records,
            statuses=MAY_REQUEST,
        )
    except BaseException:
        files.remove_files(written)
        raise
