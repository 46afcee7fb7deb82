"""Releasing a project's money: disbursements (request → second-organizer approval → paid)
and reallocation of a project's money to its edition's general fund.

Money only leaves when the ledger posting is written in the same transaction as the
state change, and never more than the project's ledger balance less what other
approved-but-unpaid disbursements have already promised.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from piccolo.query.functions.aggregate import Sum

from service.audit.services import Actor, record
from service.db import write_transaction
from service.disbursements.records import DisbursementRow, LockedProject
from service.disbursements.tables import Disbursement, DisbursementEvidence, Reallocation
from service.errors import InvalidInput, NotAllowed, NotFound
from service.i18n import gettext as _
from service.ledger import rules
from service.ledger.balances import project_fund_figures
from service.locks import lock_row
from service.money import format_yuan
from service.projects.tables import BudgetLine, Project

Status = Disbursement.Status
COMMITTED = (Status.requested.value, Status.approved.value)


@dataclass(frozen=True)
class DisbursementDraft:
    project_id: int
    milestone: str
    amount_fen: int
    payee: str
    evidence: str = ""
    budget_line_id: int | None = None
    purpose: str = ""


@dataclass(frozen=True)
class EvidenceRecord:
    """An evidence file already written to storage, to be attached to a request."""

    stored_name: str
    media_type: str
    size_bytes: int
    sha256: str
    kind: DisbursementEvidence.Kind = DisbursementEvidence.Kind.other
    title: str = ""
    public: bool = False


def _positive(amount_fen: int) -> None:
    if type(amount_fen) is not int or amount_fen <= 0:
        raise InvalidInput.on("amount_fen", "must be a positive whole number of fen")


async def _project(
    project_id: int, statuses: Collection[Project.Status] | None = None
) -> LockedProject:
    """The project, row-locked: every decision about its money is taken under this lock,
    so concurrent requests, approvals, payouts and refunds are decided one at a time."""
    await lock_row(Project, project_id)
    row = (
        await Project.select(Project.id, Project.event, Project.status)
        .where(Project.id == project_id)
        .first()
    )
    if row is None:
        raise NotFound.on("project_id", _("没有这个项目。"))
    if statuses is not None and Project.Status(row["status"]) not in statuses:
        raise NotAllowed.on(
            "project_id",
            _("只有已筹满或实施中的项目可以申请拨付（当前状态：%(status)s）。")
            % {"status": row["status"]},
        )
    return row


async def committed_fen(project_id: int, excluding: uuid.UUID | None = None) -> int:
    """Requested or approved but not yet paid out."""
    where = (Disbursement.project == project_id) & Disbursement.status.is_in(list(COMMITTED))
    if excluding is not None:
        where &= Disbursement.id != excluding
    row = await Disbursement.select(Sum(Disbursement.amount_fen).as_alias("t")).where(where).first()
    return int(row["t"] or 0) if row else 0


async def approved_unpaid_fen(project_id: int, excluding: uuid.UUID | None = None) -> int:
    """Approved but not yet paid out: promised to implementers by a second organizer."""
    where = (Disbursement.project == project_id) & (Disbursement.status == Status.approved.value)
    if excluding is not None:
        where &= Disbursement.id != excluding
    row = await Disbursement.select(Sum(Disbursement.amount_fen).as_alias("t")).where(where).first()
    return int(row["t"] or 0) if row else 0


_PENDING_REFUNDS_SQL = """
SELECT COALESCE(SUM(r.amount_fen), 0) AS total
FROM refund r JOIN payment py ON py.id = r.payment JOIN pledge pl ON pl.id = py.pledge
WHERE pl.project = {} AND r.status = 'pending'
"""


async def pending_refunds_fen(project_id: int) -> int:
    """Refunds asked of a provider and not yet booked: the money is on its way back."""
    rows = await Disbursement.raw(_PENDING_REFUNDS_SQL, project_id)
    return int(rows[0]["total"] or 0) if rows else 0


async def available_fen(project_id: int, excluding: uuid.UUID | None = None) -> int:
    """The project's ledger balance less what other disbursements have promised and what
    pending refunds are taking back: what may still be requested, refunded or moved."""
    balance = (await project_fund_figures(project_id)).balance
    promised = await committed_fen(project_id, excluding)
    return balance - promised - await pending_refunds_fen(project_id)


async def ensure_releasable(project_id: int, amount_fen: int, field: str = "amount_fen") -> None:
    """Inside the caller's write transaction: lock the project and refuse to let
    `amount_fen` leave it (a refund, a reallocation) beyond what is available, so the
    balance never goes below zero and approved disbursements stay covered."""
    await _project(project_id)
    available = await available_fen(project_id)
    if amount_fen > available:
        raise NotAllowed.on(
            field,
            _("项目可用余额只有%(yuan)s（已拨付或已批准拨付的钱不能退回或转出）。")
            % {"yuan": format_yuan(max(available, 0))},
        )


async def _check_budget_line(project_id: int, budget_line_id: int | None) -> None:
    if budget_line_id is None:
        return
    found = await BudgetLine.exists().where(
        (BudgetLine.id == budget_line_id) & (BudgetLine.project == project_id)
    )
    if not found:
        raise InvalidInput.on("budget_line_id", _("这一行预算不属于该项目。"))


async def request_disbursement(
    draft: DisbursementDraft,
    actor: Actor,
    *,
    evidence: Sequence[EvidenceRecord] = (),
    statuses: Collection[Project.Status] | None = None,
) -> uuid.UUID:
    """A request to pay `payee` from the project's money. It reserves the amount: the
    project's balance less what other requests and approvals hold must cover it.
    `statuses` (when given) are the project states that may ask (checked under the lock)."""
    _positive(draft.amount_fen)
    if not draft.milestone.strip() or not draft.payee.strip():
        raise InvalidInput.on("milestone", "the milestone and the payee are required")
    disbursement_id = uuid.uuid4()
    async with write_transaction():
        await _project(draft.project_id, statuses)
        await _check_budget_line(draft.project_id, draft.budget_line_id)
        available = await available_fen(draft.project_id)
        if draft.amount_fen > available:
            raise NotAllowed.on(
                "amount_fen",
                _("金额超过项目可用余额：最多可申请%(yuan)s。")
                % {"yuan": format_yuan(max(available, 0))},
            )
        await Disbursement.insert(
            Disbursement(
                id=disbursement_id,
                project=draft.project_id,
                milestone=draft.milestone.strip(),
                amount_fen=draft.amount_fen,
                payee=draft.payee.strip(),
                evidence=draft.evidence,
                requested_by=actor.user_id,
                budget_line=draft.budget_line_id,
                purpose=draft.purpose.strip(),
            )
        )
        if evidence:
            await DisbursementEvidence.insert(
                *[
                    DisbursementEvidence(
                        id=uuid.uuid4(),
                        disbursement=disbursement_id,
                        kind=item.kind.value,
                        title=item.title.strip()[:200],
                        stored_name=item.stored_name,
                        media_type=item.media_type,
                        size_bytes=item.size_bytes,
                        sha256=item.sha256,
                        public=item.public,
                    )
                    for item in evidence
                ]
            )
        await record(
            actor,
            "disbursement.request",
            "disbursement",
            disbursement_id,
            data={
                "amount_fen": draft.amount_fen,
                "project": draft.project_id,
                "payee": draft.payee.strip(),
                "budget_line": draft.budget_line_id,
                "evidence": [item.sha256 for item in evidence],
            },
        )
    return disbursement_id


async def _locked_disbursement(disbursement_id: uuid.UUID) -> DisbursementRow:
    row = await Disbursement.select().where(Disbursement.id == disbursement_id).first()
    if row is None:
        raise NotFound.on("disbursement_id", f"no disbursement {disbursement_id}")
    await _project(row["project"])
    await lock_row(Disbursement, disbursement_id)
    row = await Disbursement.select().where(Disbursement.id == disbursement_id).first()
    assert row is not None
    return row


async def approve_disbursement(disbursement_id: uuid.UUID, actor: Actor, reason: str = "") -> None:
    """The four-eyes step: a second organizer, not the one who asked. Decided under the
    project's lock against its balance now (a refund since the request may have taken
    money away): the balance less other approved, unpaid disbursements must cover it."""
    if actor.user_id is None:
        raise NotAllowed.on("approved_by", "approval needs a named organizer")
    async with write_transaction():
        row = await _locked_disbursement(disbursement_id)
        if row["status"] != Status.requested.value:
            raise NotAllowed.on(
                "status", _("该拨付申请当前为“%(status)s”，不能批准。") % {"status": row["status"]}
            )
        if row["requested_by"] == actor.user_id:
            raise NotAllowed.on(
                "approved_by", _("申请人不能批准自己的申请，须由另一位组织方批准。")
            )
        balance = (await project_fund_figures(row["project"])).balance
        free = balance - await approved_unpaid_fen(row["project"], excluding=disbursement_id)
        if row["amount_fen"] > free:
            raise NotAllowed.on(
                "amount_fen",
                _("金额超过项目可用余额：目前最多可批准%(yuan)s。")
                % {"yuan": format_yuan(max(free, 0))},
            )
        await Disbursement.update(
            {
                Disbursement.status: Status.approved.value,
                Disbursement.approved_by: actor.user_id,
                Disbursement.approved_at: dt.datetime.now(dt.UTC),
                Disbursement.decision_reason: reason.strip(),
            }
        ).where(Disbursement.id == disbursement_id)
        await record(
            actor,
            "disbursement.approve",
            "disbursement",
            disbursement_id,
            reason=reason.strip(),
            data={"amount_fen": row["amount_fen"], "project": row["project"]},
        )


async def reject_disbursement(disbursement_id: uuid.UUID, actor: Actor, reason: str) -> None:
    if not reason.strip():
        raise InvalidInput.on("reason", _("请填写驳回原因。"))
    async with write_transaction():
        row = await _locked_disbursement(disbursement_id)
        if row["status"] not in COMMITTED:
            raise NotAllowed.on(
                "status", _("该拨付申请当前为“%(status)s”，不能驳回。") % {"status": row["status"]}
            )
        await Disbursement.update(
            {
                Disbursement.status: Status.rejected.value,
                Disbursement.rejected_by: actor.user_id,
                Disbursement.decision_reason: reason.strip(),
            }
        ).where(Disbursement.id == disbursement_id)
        await record(
            actor,
            "disbursement.reject",
            "disbursement",
            disbursement_id,
            reason=reason.strip(),
            data={"amount_fen": row["amount_fen"], "project": row["project"]},
        )


async def mark_disbursement_paid(
    disbursement_id: uuid.UUID,
    actor: Actor,
    paid_at: dt.datetime | None = None,
    *,
    bank_reference: str | None = None,
    paid_on: dt.date | None = None,
) -> None:
    """The money left the bank account: post it to the ledger with the state change."""
    if paid_at is None and paid_on is not None:
        paid_at = dt.datetime.combine(paid_on, dt.time(12), tzinfo=dt.UTC)
    paid_at = paid_at or dt.datetime.now(dt.UTC)
    reference = (bank_reference or "").strip() or None
    if reference is not None and len(reference) > 200:
        raise InvalidInput.on("bank_reference", _("不能超过%(n)s个字符。") % {"n": 200})
    async with write_transaction():
        row = await _locked_disbursement(disbursement_id)
        if row["status"] != Status.approved.value:
            raise NotAllowed.on(
                "status",
                _("只有已批准的拨付可以登记付款（当前：%(status)s）。") % {"status": row["status"]},
            )
        project = await _project(row["project"])
        if project["status"] == Project.Status.cancelled.value:
            raise NotAllowed.on("project_id", _("项目已取消，不能再拨付。"))
        if reference is not None and await Disbursement.exists().where(
            Disbursement.bank_reference == reference
        ):
            raise NotAllowed.on("bank_reference", _("这个银行流水号已经登记过一笔拨付。"))
        balance = (await project_fund_figures(row["project"])).balance
        if row["amount_fen"] > balance:
            raise NotAllowed.on(
                "amount_fen",
                _("项目余额只有%(yuan)s，不足以支付。") % {"yuan": format_yuan(max(balance, 0))},
            )
        await Disbursement.update(
            {
                Disbursement.status: Status.paid.value,
                Disbursement.paid_at: paid_at,
                Disbursement.paid_on: paid_on or paid_at.date(),
                Disbursement.paid_by: actor.user_id,
                Disbursement.bank_reference: reference,
            }
        ).where(Disbursement.id == disbursement_id)
        await rules.disbursement(
            disbursement_id=disbursement_id,
            event_id=project["event"],
            project_id=row["project"],
            amount_fen=row["amount_fen"],
            payee=row["payee"],
            occurred_at=paid_at,
        )
        await record(
            actor,
            "disbursement.pay",
            "disbursement",
            disbursement_id,
            data={
                "amount_fen": row["amount_fen"],
                "project": row["project"],
                "bank_reference": reference,
                "paid_on": (paid_on or paid_at.date()).isoformat(),
            },
        )


async def reallocate_to_general_fund(
    project_id: int,
    amount_fen: int,
    reason: str,
    actor: Actor,
    occurred_at: dt.datetime | None = None,
) -> uuid.UUID:
    """Move part of a project's balance (e.g. of a cancelled project, or an excess over
    its target) to its edition's general fund."""
    _positive(amount_fen)
    if not reason.strip():
        raise InvalidInput.on("reason", "say why the money is moved")
    reallocation_id = uuid.uuid4()
    async with write_transaction():
        project = await _project(project_id)
        available = await available_fen(project_id)
        if amount_fen > available:
            raise NotAllowed.on("amount_fen", f"only {max(available, 0)} fen is available")
        await Reallocation.insert(
            Reallocation(
                id=reallocation_id,
                project=project_id,
                amount_fen=amount_fen,
                reason=reason.strip(),
                created_by=actor.user_id,
            )
        )
        await rules.reallocation(
            reallocation_id=reallocation_id,
            event_id=project["event"],
            project_id=project_id,
            amount_fen=amount_fen,
            reason=reason.strip(),
            occurred_at=occurred_at,
        )
        await record(
            actor,
            "fund.reallocate",
            "project",
            project_id,
            reason=reason,
            data={"amount_fen": amount_fen, "reallocation": str(reallocation_id)},
        )
    return reallocation_id
