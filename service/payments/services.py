"""Recording payments against pledges and keeping the pledge's status in step."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from service.audit.services import Actor, record
from service.db import is_unique_violation, write_transaction
from service.errors import Conflict, InvalidInput, NotAllowed, NotFound
from service.ledger import rules
from service.locks import lock_row
from service.matching.allocation import allocate_for_payment
from service.outbox.services import enqueue
from service.payments.paid import paid_fen
from service.payments.tables import Payment
from service.pledges.tables import Pledge

OFFLINE_PROVIDERS = (Payment.Provider.bank, Payment.Provider.cash)
PAYABLE = (Pledge.Status.pledged.value, Pledge.Status.partially_paid.value)


@dataclass(frozen=True)
class OfflinePayment:
    pledge_id: uuid.UUID
    provider: Payment.Provider
    amount_fen: int
    reference: str
    """Bank reference or cash slip number; a reference is applied at most once."""
    received_on: dt.date


def status_after(amount_fen: int, paid: int) -> Pledge.Status:
    if paid >= amount_fen:
        return Pledge.Status.paid
    return Pledge.Status.partially_paid if paid > 0 else Pledge.Status.pledged


async def record_offline_payment(payment: OfflinePayment, actor: Actor) -> uuid.UUID:
    """A bank transfer or cash received against a pledge, partial or whole."""
    if payment.provider not in OFFLINE_PROVIDERS:
        raise InvalidInput.on("provider", "offline payments are bank or cash")
    if type(payment.amount_fen) is not int or payment.amount_fen <= 0:
        raise InvalidInput.on("amount_fen", "must be a positive whole number of fen")
    if not payment.reference.strip():
        raise InvalidInput.on("reference", "the bank reference or cash slip number is required")
    payment_id = uuid.uuid4()
    try:
        async with write_transaction():
            await lock_row(Pledge, payment.pledge_id)
            pledge = (
                await Pledge.select(
                    Pledge.id, Pledge.amount_fen, Pledge.status, Pledge.event, Pledge.project
                )
                .where(Pledge.id == payment.pledge_id)
                .first()
            )
            if pledge is None:
                raise NotFound.on("pledge_id", f"no pledge {payment.pledge_id}")
            if pledge["status"] not in PAYABLE:
                raise NotAllowed.on("pledge_id", f"the pledge is {pledge['status']}")
            paid = await paid_fen(payment.pledge_id)
            if paid + payment.amount_fen > pledge["amount_fen"]:
                raise NotAllowed.on(
                    "amount_fen",
                    f"only {pledge['amount_fen'] - paid} fen is outstanding on this pledge",
                )
            settled_at = dt.datetime.combine(payment.received_on, dt.time(12), dt.UTC)
            await Payment.insert(
                Payment(
                    id=payment_id,
                    pledge=payment.pledge_id,
                    provider=payment.provider.value,
                    amount_fen=payment.amount_fen,
                    status=Payment.Status.succeeded.value,
                    provider_reference=payment.reference.strip(),
                    method="transfer" if payment.provider is Payment.Provider.bank else "cash",
                    received_on=payment.received_on,
                    recorded_by=actor.user_id,
                    settled_at=settled_at,
                )
            )
            await rules.payment_received(
                payment_id=payment_id,
                provider=payment.provider.value,
                event_id=pledge["event"],
                project_id=pledge["project"],
                amount_fen=payment.amount_fen,
                occurred_at=settled_at,
            )
            new_status = status_after(pledge["amount_fen"], paid + payment.amount_fen)
            await Pledge.update(
                {
                    Pledge.status: new_status.value,
                    Pledge.closed_at: settled_at if new_status is Pledge.Status.paid else None,
                }
            ).where(Pledge.id == payment.pledge_id)
            await allocate_for_payment(payment_id)
            await record(
                actor,
                "payment.record",
                "payment",
                payment_id,
                data={
                    "amount_fen": payment.amount_fen,
                    "provider": payment.provider.value,
                    "reference": payment.reference,
                },
            )
            await enqueue(
                "payment.settled",
                {"payment_id": str(payment_id)},
                dedupe_key=f"payment.settled:{payment_id}",
            )
            await enqueue(
                "live.payment",
                {
                    "payment_id": str(payment_id),
                    "pledge_id": str(payment.pledge_id),
                    "event_id": pledge["event"],
                    "project_id": pledge["project"],
                    "amount_fen": payment.amount_fen,
                    "provider": payment.provider.value,
                },
                dedupe_key=f"live.payment:{payment_id}",
            )
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict.on(
                "reference", f"reference {payment.reference!r} has already been recorded"
            ) from exc
        raise
    return payment_id
