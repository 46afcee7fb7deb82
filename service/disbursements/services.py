"""Releasing a project's money: disbursements (request → second-organizer approval → paid)
and reallocation of a project's money to its edition's general fund.

Money only leaves when the ledger posting is written in the same transaction as the
state change, and never more than the project's ledger balance less what other
approved-but-unpaid disbursements have already promised.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from piccolo.query.functions.aggregate import Sum

from service.audit.services import Actor, record
from service.db import write_transaction
from service.disbursements.tables import Disbursement, Reallocation
from service.errors import InvalidInput, NotAllowed, NotFound
from service.ledger import rules
from service.ledger.balances import project_fund_figures
from service.locks import lock_row
from service.projects.tables import Project

Status = Disbursement.Status
COMMITTED = (Status.requested.value, Status.approved.value)


@dataclass(frozen=True)
class DisbursementDraft:
    project_id: int
    milestone: str
    amount_fen: int
    payee: str
    evidence: str = ""


def _positive(amount_fen: int) -> None:
    if type(amount_fen) is not int or amount_fen <= 0:
        raise InvalidInput.on("amount_fen", "must be a positive whole number of fen")


async def _project(project_id: int) -> dict[str, Any]:
    await lock_row(Project, project_id)
    row = await Project.select(Project.id, Project.event).where(Project.id == project_id).first()
    if row is None:
        raise NotFound.on("project_id", f"no project {project_id}")
    return row


async def committed_fen(project_id: int, excluding: uuid.UUID | None = None) -> int:
    """Requested or approved but not yet paid out."""
    where = (Disbursement.project == project_id) & Disbursement.status.is_in(list(COMMITTED))
    if excluding is not None:
        where &= Disbursement.id != excluding
    row = await Disbursement.select(Sum(Disbursement.amount_fen).as_alias("t")).where(where).first()
    return int(row["t"] or 0) if row else 0


async def available_fen(project_id: int, excluding: uuid.UUID | None = None) -> int:
    """The project's ledger balance less what other disbursements have promised."""
    balance = (await project_fund_figures(project_id)).balance
    return balance - await committed_fen(project_id, excluding)


async def request_disbursement(draft: DisbursementDraft, actor: Actor) -> uuid.UUID:
    _positive(draft.amount_fen)
    if not draft.milestone.strip() or not draft.payee.strip():
        raise InvalidInput.on("milestone", "the milestone and the payee are required")
    disbursement_id = uuid.uuid4()
    async with write_transaction():
        await _project(draft.project_id)
        available = await available_fen(draft.project_id)
        if draft.amount_fen > available:
            raise NotAllowed.on("amount_fen", f"only {max(available, 0)} fen is available")
        await Disbursement.insert(
            Disbursement(
                id=disbursement_id,
                project=draft.project_id,
                milestone=draft.milestone.strip(),
                amount_fen=draft.amount_fen,
                payee=draft.payee.strip(),
                evidence=draft.evidence,
                requested_by=actor.user_id,
            )
        )
        await record(
            actor,
            "disbursement.request",
            "disbursement",
            disbursement_id,
            data={"amount_fen": draft.amount_fen, "project": draft.project_id},
        )
    return disbursement_id


async def _locked_disbursement(disbursement_id: uuid.UUID) -> dict[str, Any]:
    row = await Disbursement.select().where(Disbursement.id == disbursement_id).first()
    if row is None:
        raise NotFound.on("disbursement_id", f"no disbursement {disbursement_id}")
    await _project(row["project"])
    await lock_row(Disbursement, disbursement_id)
    row = await Disbursement.select().where(Disbursement.id == disbursement_id).first()
    assert row is not None
    return row


async def approve_disbursement(disbursement_id: uuid.UUID, actor: Actor) -> None:
    """The four-eyes step: a second organizer, not the one who asked."""
    if actor.user_id is None:
        raise NotAllowed.on("approved_by", "approval needs a named organizer")
    async with write_transaction():
        row = await _locked_disbursement(disbursement_id)
        if row["status"] != Status.requested.value:
            raise NotAllowed.on("status", f"the disbursement is {row['status']}")
        if row["requested_by"] == actor.user_id:
            raise NotAllowed.on("approved_by", "a second organizer must approve, not the requester")
        await Disbursement.update(
            {
                Disbursement.status: Status.approved.value,
                Disbursement.approved_by: actor.user_id,
                Disbursement.approved_at: dt.datetime.now(dt.UTC),
            }
        ).where(Disbursement.id == disbursement_id)
        await record(actor, "disbursement.approve", "disbursement", disbursement_id)


async def reject_disbursement(disbursement_id: uuid.UUID, actor: Actor, reason: str) -> None:
    async with write_transaction():
        row = await _locked_disbursement(disbursement_id)
        if row["status"] not in COMMITTED:
            raise NotAllowed.on("status", f"the disbursement is {row['status']}")
        await Disbursement.update({Disbursement.status: Status.rejected.value}).where(
            Disbursement.id == disbursement_id
        )
        await record(actor, "disbursement.reject", "disbursement", disbursement_id, reason=reason)


async def mark_disbursement_paid(
    disbursement_id: uuid.UUID, actor: Actor, paid_at: dt.datetime | None = None
) -> None:
    """The money left the bank account: post it to the ledger with the state change."""
    paid_at = paid_at or dt.datetime.now(dt.UTC)
    async with write_transaction():
        row = await _locked_disbursement(disbursement_id)
        if row["status"] != Status.approved.value:
            raise NotAllowed.on(
                "status", f"only an approved disbursement can be paid ({row['status']})"
            )
        project = await _project(row["project"])
        balance = (await project_fund_figures(row["project"])).balance
        if row["amount_fen"] > balance:
            raise NotAllowed.on("amount_fen", f"the project holds only {balance} fen")
        await Disbursement.update(
            {Disbursement.status: Status.paid.value, Disbursement.paid_at: paid_at}
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
            data={"amount_fen": row["amount_fen"]},
        )


async def reallocate_to_general_fund(
    project_id: int, amount_fen: int, reason: str, actor: Actor
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
