"""Giving money back offline: a bank transfer or cash handed back to the donor, recorded
by an organizer (Stripe refunds go through payments.refunds and the gateway). The project
is locked and the refund may not take money that was disbursed or promised."""

from __future__ import annotations

import uuid

from service.audit.services import Actor, record
from service.db import write_transaction
from service.disbursements.services import ensure_releasable
from service.errors import InvalidInput, NotAllowed, NotFound
from service.i18n import gettext as _
from service.ledger import rules
from service.locks import lock_row
from service.matching.allocation import release_match
from service.payments.refunds import refunded_fen
from service.payments.tables import Payment, Refund
from service.pledges import money
from service.pledges.tables import Pledge

OFFLINE = (Payment.Provider.bank.value, Payment.Provider.cash.value)


async def record_offline_refund(
    payment_id: uuid.UUID, amount_fen: int, reference: str, reason: str, actor: Actor
) -> uuid.UUID:
    """Book money given back by bank transfer or in cash against a settled offline
    payment: the refund row and its `refund:<id>` posting in one transaction."""
    reference, reason = reference.strip(), reason.strip()
    if not reason:
        raise InvalidInput.on("reason", _("请填写退款原因。"))
    if not reference or len(reference) > 200:
        raise InvalidInput.on("reference", _("请填写退款的银行流水号或现金凭单号。"))
    refund_id = uuid.uuid4()
    async with write_transaction():
        await lock_row(Payment, payment_id)
        pay = (
            await Payment.select(
                Payment.id,
                Payment.provider,
                Payment.status,
                Payment.amount_fen,
                Payment.pledge,
                Payment.pledge.event.as_alias("event"),
                Payment.pledge.project.as_alias("project"),
            )
            .where(Payment.id == payment_id)
            .first()
        )
        if pay is None:
            raise NotFound.on("payment_id", _("没有这笔到账。"))
        if pay["provider"] not in OFFLINE or pay["status"] != Payment.Status.succeeded.value:
            raise NotAllowed.on("payment_id", _("只有已到账的银行转账或现金可以线下退款。"))
        left = pay["amount_fen"] - await refunded_fen(payment_id, include_pending=True)
        if type(amount_fen) is not int or not 0 < amount_fen <= left:
            raise InvalidInput.on(
                "amount_fen", _("退款金额须在1分到%(fen)s分之间。") % {"fen": left}
            )
        if pay["project"] is not None:
            await ensure_releasable(pay["project"], amount_fen)
        await Refund.insert(
            Refund(
                id=refund_id,
                payment=payment_id,
                amount_fen=amount_fen,
                status=Refund.Status.succeeded.value,
                reason=reason,
                provider_reference=reference,
                created_by=actor.user_id,
            )
        )
        await rules.refund(
            refund_id=refund_id,
            provider=pay["provider"],
            event_id=pay["event"],
            project_id=pay["project"],
            amount_fen=amount_fen,
        )
        await release_match(
            payment_id,
            f"refund:{refund_id}",
            pay["amount_fen"] - await refunded_fen(payment_id),
            f"refund {refund_id}",
        )
        status = await Pledge.select(Pledge.status).where(Pledge.id == pay["pledge"]).first()
        await money.correct_status_after_refund(pay["pledge"], status["status"])
        await record(
            actor,
            "refund.offline",
            "payment",
            payment_id,
            reason=reason,
            data={"refund_id": str(refund_id), "amount_fen": amount_fen, "reference": reference},
        )
    return refund_id
