"""Settling a payment against its pledge: the one provider-neutral step.

Every provider — Stripe (`payments.online`), bank transfers and cash
(`payments.services.record_offline_payment`, bank-statement lines) and any future one —
ends a received payment with `settle`, inside its write transaction once the payment
row says succeeded:

1. post the receipt to the ledger (`rules.payment_received`, keyed by the payment);
2. recompute the pledge's status from its payments (`pledges.money`) and write it — or,
   when money reaches a cancelled or lapsed pledge or overpays it, flag the payment for
   an organizer;
3. match the gift from the edition's matching pools (`matching.allocate_for_payment`:
   under the pool's row lock, or held for review, or nothing with the reason);
4. write the audit row;
5. write the outbox rows (`payment.settled` issues the receipt; `live.payment`).

Money invariants this step carries: docs/architecture.md, "Money invariants".
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from service.audit.services import Actor, record
from service.ledger import rules
from service.matching.allocation import allocate_for_payment
from service.outbox.services import Message, enqueue_many
from service.payments.tables import Payment
from service.pledges import money
from service.pledges.tables import Pledge


@dataclass(frozen=True)
class Settlement:
    """A payment that has been received, and what the pledge it pays looked like under
    its row lock."""

    payment_id: uuid.UUID
    provider: str
    """Payment.Provider value: stripe, bank, cash…"""
    amount_fen: int
    settled_at: dt.datetime
    pledge_id: uuid.UUID
    pledge_amount_fen: int
    pledge_status: str
    event_id: int
    project_id: int | None
    audit_action: str = "payment.settle"
    audit_data: dict[str, Any] = field(default_factory=dict)
    announce_live: bool = True
    """Write `live.payment` for the live screen."""


async def flag(payment_id: uuid.UUID, reason: str, actor: Actor) -> None:
    """Mark a payment for an organizer's attention, with the reason in the audit log."""
    await Payment.update({Payment.flagged: True}).where(Payment.id == payment_id)
    await record(actor, "payment.flag", "payment", payment_id, reason=reason)


async def settle(s: Settlement, actor: Actor) -> Pledge.Status | None:
    """Post, recompute the pledge's status, audit and announce one received payment.
    Runs inside the caller's write transaction with the pledge (or payment) row locked;
    the ledger key makes a replay post nothing. Returns the pledge's new status, None
    when the pledge was no longer payable (the payment is flagged instead)."""
    await rules.payment_received(
        payment_id=s.payment_id,
        provider=s.provider,
        event_id=s.event_id,
        project_id=s.project_id,
        amount_fen=s.amount_fen,
        occurred_at=s.settled_at,
    )
    new_status: Pledge.Status | None = None
    if s.pledge_status in money.CLOSED_UNPAID:
        await flag(s.payment_id, f"money arrived for a {s.pledge_status} pledge", actor)
    else:
        paid = await money.paid_fen(s.pledge_id)
        if paid > s.pledge_amount_fen:
            await flag(s.payment_id, f"pledge overpaid by {paid - s.pledge_amount_fen} fen", actor)
        new_status = money.status_after(s.pledge_amount_fen, paid)
        await money.write_status(s.pledge_id, new_status, s.settled_at)
    await allocate_for_payment(s.payment_id)
    await record(actor, s.audit_action, "payment", s.payment_id, data=s.audit_data)
    messages = [
        Message(
            "payment.settled",
            {"payment_id": str(s.payment_id)},
            dedupe_key=f"payment.settled:{s.payment_id}",
        )
    ]
    if s.announce_live:
        messages.append(
            Message(
                "live.payment",
                {
                    "payment_id": str(s.payment_id),
                    "pledge_id": str(s.pledge_id),
                    "event_id": s.event_id,
                    "project_id": s.project_id,
                    "amount_fen": s.amount_fen,
                    "provider": s.provider,
                },
                dedupe_key=f"live.payment:{s.payment_id}",
            )
        )
    await enqueue_many(messages)
    return new_status
