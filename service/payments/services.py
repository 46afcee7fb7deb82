"""Recording offline payments (bank transfer, cash) against pledges; they settle through
`service.payments.settlement.settle` like every other provider."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from service import clock
from service.audit.services import Actor
from service.db import is_unique_violation, write_transaction
from service.errors import Conflict, InvalidInput, NotAllowed, NotFound
from service.locks import lock_row
from service.payments.settlement import Settlement, settle
from service.payments.tables import Payment
from service.pledges.money import PAYABLE, paid_fen
from service.pledges.money import status_after as status_after  # kept importable
from service.pledges.tables import Pledge

OFFLINE_PROVIDERS = (Payment.Provider.bank, Payment.Provider.cash)


@dataclass(frozen=True)
class OfflinePayment:
    pledge_id: uuid.UUID
    provider: Payment.Provider
    amount_fen: int
    reference: str
    """Bank reference or cash slip number; a reference is applied at most once."""
    received_on: dt.date

    def __post_init__(self) -> None:
        # The meeting's calendar is Asia/Shanghai: a payment cannot arrive after today there.
        today = clock.today()
        if self.received_on > today:
            raise InvalidInput.on("received_on", f"a payment cannot be received after {today}")


async def record_offline_payment(payment: OfflinePayment, actor: Actor) -> uuid.UUID:
    """A bank transfer or cash received against a pledge, partial or whole."""
    if payment.provider not in OFFLINE_PROVIDERS:
        raise InvalidInput.on("provider", "offline payments are bank or cash")
    if type(payment.amount_fen) is not int or payment.amount_fen <= 0:
        raise InvalidInput.on("amount_fen", "must be a positive whole number of fen")
    if not payment.reference.strip():
        raise InvalidInput.on("reference", "the bank reference or cash slip number is required")
    payment_id = uuid.uuid4()
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
        try:
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
        except Exception as exc:  # the (provider, reference) unique index
            if is_unique_violation(exc):
                raise Conflict.on(
                    "reference", f"reference {payment.reference!r} has already been recorded"
                ) from exc
            raise
        await settle(
            Settlement(
                payment_id=payment_id,
                provider=payment.provider.value,
                amount_fen=payment.amount_fen,
                settled_at=settled_at,
                pledge_id=payment.pledge_id,
                pledge_amount_fen=pledge["amount_fen"],
                pledge_status=pledge["status"],
                event_id=pledge["event"],
                project_id=pledge["project"],
                audit_action="payment.record",
                audit_data={
                    "amount_fen": payment.amount_fen,
                    "provider": payment.provider.value,
                    "reference": payment.reference,
                },
            ),
            actor,
        )
    return payment_id
