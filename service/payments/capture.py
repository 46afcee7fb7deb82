"""Deferred capture: capture or release an authorization, and capture what is due
(the edition has closed or the project has reached its target)."""

from __future__ import annotations

import logging
import uuid

from service.audit.services import SYSTEM, Actor
from service.errors import DomainError, InvalidInput, NotAllowed
from service.events.tables import Event
from service.ledger.balances import project_fund_figures
from service.payments import online
from service.payments import stripe_gateway as gateway
from service.payments.tables import Payment

Status = Payment.Status
log = logging.getLogger("minsheng.payments")
CLOSED_EVENT = tuple(
    s.value for s in (Event.Status.closed, Event.Status.reporting, Event.Status.archived)
)


async def capture_payment(
    payment_id: uuid.UUID, actor: Actor, amount_fen: int | None = None
) -> str:
    """Capture an authorization, whole or in part (the rest is released)."""
    pay = await online.load_payment(payment_id)
    if pay["status"] != Status.requires_capture.value:
        raise NotAllowed.on("payment_id", f"the payment is {pay['status']}, not authorized")
    if amount_fen is not None and (
        type(amount_fen) is not int or not 0 < amount_fen <= pay["amount_fen"]
    ):
        raise InvalidInput.on("amount_fen", f"capture between 1 and {pay['amount_fen']} fen")
    try:
        view = await gateway.capture_intent(pay["provider_reference"], payment_id, amount_fen)
    except gateway.GatewayError as exc:
        await online.sync_payment(payment_id, actor)
        raise NotAllowed.on("payment_id", exc.message) from exc
    return await online.apply_intent(payment_id, view, actor)


async def cancel_payment(payment_id: uuid.UUID, actor: Actor) -> str:
    pay = await online.load_payment(payment_id)
    if pay["status"] not in online.OPEN_STATUSES:
        raise NotAllowed.on("payment_id", f"the payment is {pay['status']}")
    if not pay["provider_reference"]:
        raise NotAllowed.on("payment_id", "the payment never reached Stripe")
    try:
        view = await gateway.cancel_intent(pay["provider_reference"], payment_id)
    except gateway.GatewayError as exc:
        await online.sync_payment(payment_id, actor)
        raise NotAllowed.on("payment_id", exc.message) from exc
    return await online.apply_intent(payment_id, view, actor, canceled_by_us=True)


async def capture_due(actor: Actor = SYSTEM) -> list[uuid.UUID]:
    """Capture the authorizations whose edition has closed or whose project has reached
    its target (deferred capture). Returns the payments captured."""
    rows = await Payment.select(
        Payment.id,
        Payment.amount_fen,
        Payment.pledge.project.as_alias("project_id"),
        Payment.pledge.project.target_fen.as_alias("target_fen"),
        Payment.pledge.event.status.as_alias("event_status"),
    ).where((Payment.provider == online.STRIPE) & (Payment.status == Status.requires_capture.value))
    held: dict[int, int] = {}
    for row in rows:
        if row["project_id"] is not None:
            held[row["project_id"]] = held.get(row["project_id"], 0) + row["amount_fen"]
    reached = set()
    for project_id, amount in held.items():
        target = next(r["target_fen"] for r in rows if r["project_id"] == project_id)
        if target and (await project_fund_figures(project_id)).received + amount >= target:
            reached.add(project_id)
    captured = []
    for row in rows:
        if row["event_status"] in CLOSED_EVENT or row["project_id"] in reached:
            try:
                await capture_payment(row["id"], actor)
            except DomainError as exc:  # e.g. captured meanwhile; the next run looks again
                log.warning("capturing payment %s failed: %s", row["id"], exc.detail)
                continue
            captured.append(row["id"])
    return captured
