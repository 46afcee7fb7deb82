"""Reading disbursements: the console's queues, one request with its evidence, and the
public view of a project's paid disbursements with their public evidence only."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from service.auth.services import StaffIdentity
from service.auth.tables import StaffUser
from service.disbursements.records import (
    EvidenceFile,
    EvidenceRow,
    PaidDisbursementRow,
    StaffDisbursement,
)
from service.disbursements.tables import Disbursement, DisbursementEvidence
from service.errors import NotFound
from service.i18n import gettext as _

Role = StaffUser.Role
Status = Disbursement.Status

_COLUMNS = (
    Disbursement.id,
    Disbursement.project,
    Disbursement.project.title.as_alias("project_title"),
    Disbursement.project.event.number.as_alias("event_number"),
    Disbursement.project.owner_org.as_alias("owner_org"),
    Disbursement.milestone,
    Disbursement.budget_line,
    Disbursement.budget_line.item.as_alias("budget_item"),
    Disbursement.amount_fen,
    Disbursement.payee,
    Disbursement.purpose,
    Disbursement.status,
    Disbursement.decision_reason,
    Disbursement.requested_by,
    Disbursement.requested_by.display_name.as_alias("requested_by_name"),
    Disbursement.approved_by.display_name.as_alias("approved_by_name"),
    Disbursement.rejected_by.display_name.as_alias("rejected_by_name"),
    Disbursement.paid_by.display_name.as_alias("paid_by_name"),
    Disbursement.bank_reference,
    Disbursement.paid_on,
    Disbursement.created_at,
    Disbursement.approved_at,
    Disbursement.paid_at,
)


async def evidence_of(
    disbursement_ids: Iterable[uuid.UUID], *, public_only: bool
) -> dict[uuid.UUID, list[EvidenceRow]]:
    ids = list(disbursement_ids)
    if not ids:
        return {}
    where = DisbursementEvidence.disbursement.is_in(ids)
    if public_only:
        where &= DisbursementEvidence.public == True  # noqa: E712
    rows = (
        await DisbursementEvidence.select().where(where).order_by(DisbursementEvidence.created_at)
    )
    found: dict[uuid.UUID, list[EvidenceRow]] = {}
    for row in rows:
        row["url"] = (
            f"/evidence/{row['stored_name']}"
            if row["public"]
            else f"/console/evidence/{row['stored_name']}"
        )
        found.setdefault(row["disbursement"], []).append(row)
    return found


async def list_for_staff(
    staff: StaffIdentity, *, status: str | None = None, project_id: int | None = None
) -> list[StaffDisbursement]:
    """Disbursements staff may see: organizers and auditors all, owners their own."""
    query = Disbursement.select(*_COLUMNS).order_by(Disbursement.created_at, ascending=False)
    where = None
    if staff.role is Role.project_owner:
        where = Disbursement.project.owner_org == staff.organization_id
    if status:
        clause = Disbursement.status == status
        where = clause if where is None else where & clause
    if project_id is not None:
        clause = Disbursement.project == project_id
        where = clause if where is None else where & clause
    if where is not None:
        query = query.where(where)
    return await query


async def get_for_staff(disbursement_id: uuid.UUID, staff: StaffIdentity) -> StaffDisbursement:
    row = await Disbursement.select(*_COLUMNS).where(Disbursement.id == disbursement_id).first()
    if row is None or (
        staff.role is Role.project_owner and row["owner_org"] != staff.organization_id
    ):
        raise NotFound.on("disbursement_id", _("没有这笔拨付，或你无权查看。"))
    row["evidence"] = (await evidence_of([disbursement_id], public_only=False)).get(
        disbursement_id, []
    )
    return row


async def paid_for_projects(
    project_ids: Iterable[int],
) -> dict[int, list[PaidDisbursementRow]]:
    """Paid disbursements per project, oldest first, each with its public evidence."""
    ids = list(project_ids)
    if not ids:
        return {}
    rows = (
        await Disbursement.select(
            Disbursement.id,
            Disbursement.project,
            Disbursement.milestone,
            Disbursement.budget_line,
            Disbursement.budget_line.item.as_alias("budget_item"),
            Disbursement.amount_fen,
            Disbursement.payee,
            Disbursement.purpose,
            Disbursement.paid_on,
            Disbursement.paid_at,
        )
        .where(Disbursement.project.is_in(ids) & (Disbursement.status == Status.paid.value))
        .order_by(Disbursement.paid_at)
    )
    evidence = await evidence_of([r["id"] for r in rows], public_only=True)
    found: dict[int, list[PaidDisbursementRow]] = {}
    for row in rows:
        row["evidence"] = evidence.get(row["id"], [])
        found.setdefault(row["project"], []).append(row)
    return found


async def evidence_file(name: str, *, public_only: bool) -> EvidenceFile:
    """The evidence row behind a stored file name (404 when internal and `public_only`)."""
    row = (
        await DisbursementEvidence.select(
            DisbursementEvidence.stored_name,
            DisbursementEvidence.media_type,
            DisbursementEvidence.public,
            DisbursementEvidence.disbursement.status.as_alias("status"),
            DisbursementEvidence.disbursement.project.owner_org.as_alias("owner_org"),
        )
        .where(DisbursementEvidence.stored_name == name)
        .first()
    )
    if row is None or (public_only and not (row["public"] and row["status"] == Status.paid.value)):
        raise NotFound.on("name", _("没有这个文件。"))
    return row
