"""Refunds of Stripe payments: from the console, or found in Stripe (dashboard refunds).

A refund is booked once: its row turns succeeded, the ledger posts `refund:<id>` (so a
replay posts nothing), the pledge is corrected and the donor gets a mail.
"""

from __future__ import annotations

import uuid

from piccolo.query.functions.aggregate import Sum

from service.audit.services import Actor, record
from service.db import write_transaction
from service.disbursements.services import ensure_releasable
from service.errors import InvalidInput, NotAllowed, NotFound
from service.ledger import rules
from service.locks import lock_row
from service.mail import Mail, queue_mail, render_mail
from service.matching.allocation import release_match
from service.payments import stripe_gateway as gateway
from service.payments.records import BookedRefund, LoadedPayment
from service.payments.tables import Payment, Refund
from service.pledges import money
from service.pledges.tables import Pledge

DASHBOARD_REASON = "在 Stripe 后台退款"


async def refunded_fen(payment_id: uuid.UUID, *, include_pending: bool = False) -> int:
    statuses = [Refund.Status.succeeded.value]
    if include_pending:
        statuses.append(Refund.Status.pending.value)
    row = (
        await Refund.select(Sum(Refund.amount_fen).as_alias("total"))
        .where((Refund.payment == payment_id) & Refund.status.is_in(statuses))
        .first()
    )
    return int(row["total"] or 0) if row else 0


async def refund_payment(
    payment_id: uuid.UUID, amount_fen: int | None, reason: str, actor: Actor
) -> uuid.UUID:
    """Give back part or all of a settled Stripe payment. `amount_fen` None: all that is
    left. Returns the refund's id."""
    if not reason.strip():
        raise InvalidInput.on("reason", "say why the money is given back")
    refund_id = uuid.uuid4()
    async with write_transaction():
        await lock_row(Payment, payment_id)
        pay = await Payment.select().where(Payment.id == payment_id).first()
        if pay is None:
            raise NotFound.on("payment_id", f"no payment {payment_id}")
        if pay["provider"] != Payment.Provider.stripe.value:
            raise NotAllowed.on("payment_id", "only Stripe payments are refunded here")
        if pay["status"] != Payment.Status.succeeded.value:
            raise NotAllowed.on("payment_id", f"the payment is {pay['status']}")
        left = pay["amount_fen"] - await refunded_fen(payment_id, include_pending=True)
        amount = left if amount_fen is None else amount_fen
        if type(amount) is not int or not 0 < amount <= left:
            raise InvalidInput.on("amount_fen", f"refund between 1 and {left} fen")
        project_id = await _project_of(pay["pledge"])
        if project_id is not None:  # money disbursed to implementers cannot go back
            await ensure_releasable(project_id, amount)
        await Refund.insert(
            Refund(
                id=refund_id,
                payment=payment_id,
                amount_fen=amount,
                status=Refund.Status.pending.value,
                reason=reason.strip(),
                created_by=actor.user_id,
            )
        )
        await record(
            actor,
            "refund.request",
            "payment",
            payment_id,
            reason=reason.strip(),
            data={"refund_id": str(refund_id), "amount_fen": amount},
        )
    try:
        made = await gateway.create_refund(pay["provider_reference"], refund_id, amount)
    except gateway.GatewayError as exc:
        async with write_transaction():
            await Refund.update(
                {Refund.status: Refund.Status.failed.value, Refund.reason: f"{reason} ({exc})"}
            ).where(Refund.id == refund_id)
        raise NotAllowed.on("amount_fen", f"Stripe refused the refund: {exc.message}") from exc
    async with write_transaction():
        await lock_row(Payment, payment_id)  # as a concurrent sync would
        await Refund.update({Refund.provider_reference: made.id}).where(Refund.id == refund_id)
        row = await Refund.select(Refund.status).where(Refund.id == refund_id).first()
        if made.status == "succeeded" and row["status"] == Refund.Status.pending.value:
            await _book(refund_id, actor)
    return refund_id


async def book_stripe_refunds(pay: LoadedPayment, refunds: tuple[gateway.RefundView, ...]) -> None:
    """Inside the caller's transaction: book every succeeded refund Stripe reports that
    we have not booked (ours left pending by a crash, or made in the dashboard)."""
    for seen in refunds:
        if seen.status in ("failed", "canceled"):
            await Refund.update({Refund.status: Refund.Status.failed.value}).where(
                (Refund.payment == pay["id"])
                & (Refund.provider_reference == seen.id)
                & (Refund.status == Refund.Status.pending.value)
            )
        if seen.status != "succeeded":
            continue
        row = (
            await Refund.select(Refund.id, Refund.status)
            .where(
                (Refund.payment == pay["id"])
                & (
                    (Refund.provider_reference == seen.id)
                    | (Refund.id == _uuid_or_nil(seen.our_refund_id))
                )
            )
            .first()
        )
        if row is None:
            refund_id = uuid.uuid4()
            await Refund.insert(
                Refund(
                    id=refund_id,
                    payment=pay["id"],
                    amount_fen=seen.amount_fen,
                    status=Refund.Status.pending.value,
                    reason=DASHBOARD_REASON,
                    provider_reference=seen.id,
                )
            )
            await _book(refund_id, Actor("stripe"))
        elif row["status"] != Refund.Status.succeeded.value:
            await Refund.update({Refund.provider_reference: seen.id}).where(Refund.id == row["id"])
            await _book(row["id"], Actor("stripe"))


async def _project_of(pledge_id: uuid.UUID) -> int | None:
    row = await Pledge.select(Pledge.project).where(Pledge.id == pledge_id).first()
    return row["project"] if row else None


def _uuid_or_nil(value: str | None) -> uuid.UUID:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return uuid.UUID(int=0)


async def _book(refund_id: uuid.UUID, actor: Actor) -> None:
    refund: BookedRefund = (
        await Refund.select(
            Refund.all_columns(),
            Refund.payment.pledge.as_alias("pledge_id"),
            Refund.payment.amount_fen.as_alias("payment_amount_fen"),
            Refund.payment.pledge.event.as_alias("event_id"),
            Refund.payment.pledge.project.as_alias("project_id"),
            Refund.payment.pledge.status.as_alias("pledge_status"),
            Refund.payment.pledge.donor.email.as_alias("donor_email"),
            Refund.payment.pledge.donor.display_name.as_alias("donor_name"),
        )
        .where(Refund.id == refund_id)
        .first()
    )
    await Refund.update({Refund.status: Refund.Status.succeeded.value}).where(
        Refund.id == refund_id
    )
    await rules.refund(
        refund_id=refund_id,
        provider=Payment.Provider.stripe.value,
        event_id=refund["event_id"],
        project_id=refund["project_id"],
        amount_fen=refund["amount_fen"],
    )
    await release_match(
        refund["payment"],
        f"refund:{refund_id}",
        refund["payment_amount_fen"] - await refunded_fen(refund["payment"]),
        f"refund {refund_id}",
    )
    await money.correct_status_after_refund(refund["pledge_id"], refund["pledge_status"])
    await record(
        actor,
        "refund.book",
        "payment",
        refund["payment"],
        reason=refund["reason"],
        data={"refund_id": str(refund_id), "amount_fen": refund["amount_fen"]},
    )
    if refund["donor_email"]:
        subject, text, html = render_mail(
            "refund",
            {
                "donor_name": refund["donor_name"],
                "amount_fen": refund["amount_fen"],
                "reason": refund["reason"],
            },
        )
        await queue_mail(
            Mail(to=refund["donor_email"], subject=subject, text=text, html=html),
            dedupe_key=f"refund:{refund_id}:mail",
        )
