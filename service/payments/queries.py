"""Read-side helpers for the payment pages (no writes here)."""

from __future__ import annotations

import uuid

from service.audit.tables import AuditLog
from service.donors.services import public_name
from service.errors import NotFound
from service.payments.records import PaymentDetail, PledgeToPay
from service.payments.tables import Payment, Refund
from service.pledges.money import due_now, held_fen, paid_fen
from service.pledges.notify import pledge_code
from service.pledges.tables import Pledge


async def pledge_to_pay(pledge_id: uuid.UUID) -> PledgeToPay:
    row = (
        await Pledge.select(
            Pledge.id,
            Pledge.amount_fen,
            Pledge.status,
            Pledge.project,
            Pledge.project.title.as_alias("project_title"),
            Pledge.event.title.as_alias("event_title"),
            Pledge.event.capture_policy.as_alias("capture_policy"),
            Pledge.donor.display_name.as_alias("donor_name"),
            Pledge.donor.anonymous.as_alias("anonymous"),
        )
        .where(Pledge.id == pledge_id)
        .first()
    )
    if row is None:
        raise NotFound.on("pledge_id", f"no pledge {pledge_id}")
    # Anyone with the pledge's address sees this page: never an anonymous donor's name.
    row["donor_name"] = public_name(row["donor_name"], row["anonymous"])
    row["code"] = pledge_code(pledge_id)
    row["paid_fen"] = await paid_fen(pledge_id)
    row["held_fen"] = await held_fen(pledge_id)
    row["outstanding_fen"] = due_now(
        row["amount_fen"], row["paid_fen"], row["held_fen"], row["status"]
    )
    return row


async def payment_detail(payment_id: uuid.UUID) -> PaymentDetail:
    row = (
        await Payment.select(
            Payment.all_columns(),
            Payment.pledge.amount_fen.as_alias("pledge_amount_fen"),
            Payment.pledge.status.as_alias("pledge_status"),
            Payment.pledge.project.as_alias("project_id"),
            Payment.pledge.project.title.as_alias("project_title"),
            Payment.pledge.donor.display_name.as_alias("donor_name"),
        )
        .where(Payment.id == payment_id)
        .first()
    )
    if row is None:
        raise NotFound.on("payment_id", f"no payment {payment_id}")
    row["refunds"] = (
        await Refund.select().where(Refund.payment == payment_id).order_by(Refund.created_at)
    )
    row["refunded_fen"] = sum(
        r["amount_fen"] for r in row["refunds"] if r["status"] == Refund.Status.succeeded.value
    )
    row["history"] = await AuditLog.select(
        AuditLog.created_at, AuditLog.actor_label, AuditLog.action, AuditLog.reason
    ).where((AuditLog.object_type == "payment") & (AuditLog.object_id == str(payment_id)))
    return row
