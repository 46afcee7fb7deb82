"""Settling the money of a project that is cancelled (or falls short): for each donor
payment, an organizer chooses — give it back (a Stripe refund through the gateway, or a
bank/cash refund recorded with its reference) or move it, with the donor's consent
recorded, to the edition's general fund or another project of the edition. Money that is
no donor's (matching funds) goes to the general fund. Each move is its own ledger
transaction; only when the project holds nothing more can it be cancelled, and its open
pledges are then cancelled with it (their unpaid remainders released)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from piccolo.query.functions.aggregate import Sum

from service.audit.services import record
from service.auth.services import StaffIdentity
from service.db import write_transaction
from service.disbursements.records import HeldPayment, SettlingProject
from service.disbursements.services import ensure_releasable
from service.disbursements.settlement import record_offline_refund
from service.disbursements.tables import Reallocation
from service.errors import InvalidInput, NotAllowed, NotFound
from service.i18n import gettext as _
from service.ledger import rules
from service.ledger.balances import project_fund_figures
from service.locks import lock_row
from service.payments.refunds import refund_payment, refunded_fen
from service.payments.tables import Payment
from service.pledges.lifecycle import cancel_pledge
from service.pledges.money import PAYABLE
from service.pledges.tables import Pledge
from service.projects.tables import Project

ACTIONS = ("refund", "general_fund", "project")


@dataclass(frozen=True)
class Choice:
    payment_id: uuid.UUID
    action: str  # refund | general_fund | project
    reason: str
    reference: str = ""  # offline refunds: the bank reference or cash slip
    target_project_id: int | None = None
    donor_consent: str = ""


async def reallocated_from_payment(payment_id: uuid.UUID) -> int:
    row = (
        await Reallocation.select(Sum(Reallocation.amount_fen).as_alias("t"))
        .where(Reallocation.payment == payment_id)
        .first()
    )
    return int(row["t"] or 0) if row else 0


async def held_payments(project_id: int) -> list[HeldPayment]:
    """The project's settled donor payments with what of each is still held."""
    rows = (
        await Payment.select(
            Payment.id,
            Payment.provider,
            Payment.amount_fen,
            Payment.provider_reference,
            Payment.settled_at,
            Payment.pledge,
            Payment.pledge.donor.display_name.as_alias("donor"),
        )
        .where(
            (Payment.pledge.project == project_id)
            & (Payment.status == Payment.Status.succeeded.value)
        )
        .order_by(Payment.settled_at)
    )
    for row in rows:
        row["held_fen"] = (
            row["amount_fen"]
            - await refunded_fen(row["id"], include_pending=True)
            - await reallocated_from_payment(row["id"])
        )
    return [row for row in rows if row["held_fen"] > 0]


async def _project(project_id: int) -> SettlingProject:
    row = (
        await Project.select(Project.id, Project.event, Project.status, Project.title)
        .where(Project.id == project_id)
        .first()
    )
    if row is None:
        raise NotFound.on("project_id", _("没有这个项目。"))
    return row


async def settle_payment(project_id: int, choice: Choice, staff: StaffIdentity) -> uuid.UUID:
    """Refund or move what one payment still has in the project; returns the refund's or
    the reallocation's id."""
    if choice.action not in ACTIONS:
        raise InvalidInput.on("action", _("请选择退款、转入公共基金或转入其他项目。"))
    if not choice.reason.strip():
        raise InvalidInput.on("reason", _("请填写原因。"))
    project = await _project(project_id)
    held = {p["id"]: p for p in await held_payments(project_id)}
    payment = held.get(choice.payment_id)
    if payment is None:
        raise NotFound.on("payment_id", _("这笔到账不属于该项目，或已全部退回或转出。"))
    if choice.action == "refund":
        if payment["provider"] == Payment.Provider.stripe.value:
            return await refund_payment(
                choice.payment_id, payment["held_fen"], choice.reason, staff.actor
            )
        return await record_offline_refund(
            choice.payment_id, payment["held_fen"], choice.reference, choice.reason, staff.actor
        )
    if not choice.donor_consent.strip():
        raise InvalidInput.on(
            "donor_consent", _("转用捐款须经捐赠人同意：请记录同意的方式和时间。")
        )
    target = None
    if choice.action == "project":
        target = await _target(project, choice.target_project_id)
    return await _reallocate(
        project,
        payment["held_fen"],
        choice.reason.strip(),
        staff,
        payment_id=choice.payment_id,
        target_project_id=target,
        consent=choice.donor_consent.strip()[:2000],
    )


async def _target(project: SettlingProject, target_id: int | None) -> int:
    if target_id is None or target_id == project["id"]:
        raise InvalidInput.on("target_project_id", _("请选择接收这笔钱的其他项目。"))
    row = await Project.select(Project.event, Project.status).where(Project.id == target_id).first()
    running = {
        Project.Status.published.value,
        Project.Status.funded.value,
        Project.Status.in_progress.value,
    }
    if row is None or row["event"] != project["event"] or row["status"] not in running:
        raise InvalidInput.on(
            "target_project_id", _("只能转入同一届众筹会中仍在筹款或实施的项目。")
        )
    return target_id


async def _reallocate(
    project: SettlingProject,
    amount_fen: int,
    reason: str,
    staff: StaffIdentity,
    *,
    payment_id: uuid.UUID | None,
    target_project_id: int | None,
    consent: str,
) -> uuid.UUID:
    reallocation_id = uuid.uuid4()
    async with write_transaction():
        if payment_id is not None:
            await lock_row(Payment, payment_id)
            left = (
                (await Payment.select(Payment.amount_fen).where(Payment.id == payment_id).first())[
                    "amount_fen"
                ]
                - await refunded_fen(payment_id, include_pending=True)
                - await reallocated_from_payment(payment_id)
            )
            if amount_fen > left:
                raise NotAllowed.on("payment_id", _("这笔到账已全部退回或转出。"))
        await ensure_releasable(project["id"], amount_fen)
        await Reallocation.insert(
            Reallocation(
                id=reallocation_id,
                project=project["id"],
                amount_fen=amount_fen,
                reason=reason,
                created_by=staff.id,
                target_project=target_project_id,
                payment=payment_id,
                donor_consent=consent,
            )
        )
        await rules.reallocation(
            reallocation_id=reallocation_id,
            event_id=project["event"],
            project_id=project["id"],
            amount_fen=amount_fen,
            reason=reason,
            target_project_id=target_project_id,
        )
        await record(
            staff.actor,
            "fund.reallocate",
            "project",
            project["id"],
            reason=reason,
            data={
                "amount_fen": amount_fen,
                "reallocation": str(reallocation_id),
                "payment": str(payment_id) if payment_id else None,
                "target_project": target_project_id,
                "donor_consent": consent,
            },
        )
    return reallocation_id


async def move_rest_to_general_fund(project_id: int, reason: str, staff: StaffIdentity) -> int:
    """What no donor payment accounts for (matching funds) to the general fund; the fen."""
    project = await _project(project_id)
    if not reason.strip():
        raise InvalidInput.on("reason", _("请填写原因。"))
    held_by_donors = sum(p["held_fen"] for p in await held_payments(project_id))
    rest = (await project_fund_figures(project_id)).balance - held_by_donors
    if rest <= 0:
        raise NotAllowed.on("amount_fen", _("除捐赠人的到账外，项目没有其他余额。"))
    await _reallocate(
        project,
        rest,
        reason.strip(),
        staff,
        payment_id=None,
        target_project_id=None,
        consent="",
    )
    return rest


async def ensure_nothing_held(project_id: int) -> None:
    """Inside the cancellation's transaction: a project that still holds money (or has
    disbursements under way) is not cancelled until its money is settled."""
    figures = await project_fund_figures(project_id)
    if figures.balance > 0:
        raise NotAllowed.on(
            "balance",
            _(
                "项目仍有%(fen)s分余额：请先在“资金处置”页面逐笔退款或经捐赠人同意转入"
                "公共基金或其他项目，再取消项目。"
            )
            % {"fen": figures.balance},
        )


async def release_open_pledges(project_id: int, reason: str, staff: StaffIdentity) -> int:
    """After cancellation: open pledges are cancelled (their unpaid remainders released)."""
    rows = await Pledge.select(Pledge.id).where(
        (Pledge.project == project_id) & Pledge.status.is_in(list(PAYABLE))
    )
    for row in rows:
        await cancel_pledge(row["id"], f"项目取消：{reason}"[:500], staff.actor)
    return len(rows)
