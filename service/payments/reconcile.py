"""Reconciliation with Stripe: settle what webhooks missed, and name every difference.

`settle_open_payments` re-reads every Stripe payment that is not final and settles it
(the periodic job; webhooks can be lost). `report` compares, per Stripe payment, what
Stripe says, what our payment and refund rows say and what the ledger holds.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from service.audit.services import SYSTEM, Actor
from service.errors import DomainError, NotAllowed
from service.ledger.tables import LedgerEntry, LedgerTransaction
from service.payments import capture, online
from service.payments import stripe_gateway as gateway
from service.payments.records import PaymentRow
from service.payments.tables import Payment, Refund

Status = Payment.Status
RECHECK_SETTLED = dt.timedelta(days=2)
ORPHAN_AFTER = dt.timedelta(minutes=10)
"""A payment row still without its intent this long after creation lost its answer."""
ABANDON_AFTER = dt.timedelta(days=1)
"""An intent nobody confirmed for this long is cancelled (the donor left the page)."""


@dataclass(frozen=True)
class SettleSummary:
    checked: int
    changed: dict[str, str]
    """payment id → new status, for the payments whose status moved."""
    captured: int
    errors: dict[str, str]


async def settle_open_payments(actor: Actor = SYSTEM) -> SettleSummary:
    """Re-read every open Stripe payment from Stripe and settle it, and the payments
    settled in the last two days (late fees, refunds or disputes whose webhooks were
    lost); then capture the authorizations that are due."""
    recent = dt.datetime.now(dt.UTC) - RECHECK_SETTLED
    rows = await Payment.select(Payment.id, Payment.status).where(
        (Payment.provider == online.STRIPE)
        & Payment.provider_reference.is_not_null()
        & (
            Payment.status.is_in(list(online.OPEN_STATUSES))
            | ((Payment.status == Status.succeeded.value) & (Payment.settled_at >= recent))
        )
    )
    waiting = await Refund.select(Refund.payment.id.as_alias("id")).where(
        (Refund.status == Refund.Status.pending.value) & Refund.provider_reference.is_not_null()
    )
    known = {row["id"] for row in rows}
    for refund in waiting:  # refunds Stripe had not finished when we asked
        if refund["id"] not in known:
            known.add(refund["id"])
            rows.append({"id": refund["id"], "status": Status.succeeded.value})
    changed: dict[str, str] = {}
    errors: dict[str, str] = {}
    for row in rows:
        try:
            status = await online.sync_payment(row["id"], actor)
        except online.ProviderUnavailable as exc:  # reported; the next run tries again
            errors[str(row["id"])] = exc.detail
            continue
        if status != row["status"]:
            changed[str(row["id"])] = status
    changed.update(await _adopt_orphans(actor))
    for payment_id in await _abandoned():
        try:
            changed[str(payment_id)] = await capture.cancel_payment(payment_id, actor)
        except DomainError as exc:
            errors[str(payment_id)] = exc.detail
    captured = await capture.capture_due(actor)
    return SettleSummary(len(rows), changed, len(captured), errors)


async def _adopt_orphans(actor: Actor) -> dict[str, str]:
    """Payments whose create call reached Stripe but whose answer never came back (a
    crash, a timeout): find their intents by our id in the metadata and settle them;
    with no intent at all, the attempt failed."""
    before = dt.datetime.now(dt.UTC) - ORPHAN_AFTER
    orphans = await Payment.select(Payment.id).where(
        (Payment.provider == online.STRIPE)
        & (Payment.status == Status.pending.value)
        & Payment.provider_reference.is_null()
        & (Payment.created_at < before)
    )
    if not orphans:
        return {}
    by_payment = {view.payment_id: view for view in await gateway.recent_intents()}
    changed = {}
    for row in orphans:
        view = by_payment.get(row["id"])
        if view is not None:
            changed[str(row["id"])] = await online.apply_intent(row["id"], view, actor)
        else:
            await online.mark_failed(row["id"], None, "the payment never reached Stripe")
            changed[str(row["id"])] = Status.failed.value
    return changed


async def _abandoned() -> list[uuid.UUID]:
    before = dt.datetime.now(dt.UTC) - ABANDON_AFTER
    rows = await Payment.select(Payment.id).where(
        (Payment.provider == online.STRIPE)
        & (Payment.status == Status.pending.value)
        & Payment.provider_reference.is_not_null()
        & (Payment.created_at < before)
    )
    return [row["id"] for row in rows]


@dataclass(frozen=True)
class Difference:
    payment_id: str
    intent_id: str
    field: str
    stripe: str
    ours: str
    ledger: str
    detail: str


async def _ledger_amount(key: str) -> int | None:
    """The debit side of the transaction posted under `key`; None when not posted."""
    tx = (
        await LedgerTransaction.select(LedgerTransaction.id)
        .where(LedgerTransaction.key == key)
        .first()
    )
    if tx is None:
        return None
    entries = await LedgerEntry.select(LedgerEntry.amount_fen).where(
        LedgerEntry.transaction == tx["id"]
    )
    return sum(e["amount_fen"] for e in entries if e["amount_fen"] > 0)


async def _compare(pay: PaymentRow, view: gateway.IntentView) -> list[Difference]:
    out: list[Difference] = []
    pid, iid = str(pay["id"]), view.id

    def add(field: str, stripe: object, ours: object, ledger: object, detail: str) -> None:
        out.append(Difference(pid, iid, field, str(stripe), str(ours), str(ledger), detail))

    expected = online.our_status(view).value
    if expected != pay["status"]:
        add("status", view.status, pay["status"], "", "status differs from Stripe's")
    received = view.received_fen if view.status == "succeeded" else 0
    ours = pay["amount_fen"] if pay["status"] == Status.succeeded.value else 0
    ledger = await _ledger_amount(f"payment:{pid}:received") or 0
    if not received == ours == ledger:
        add("received_fen", received, ours, ledger, "amount received differs")
    fee_ledger = await _ledger_amount(f"payment:{pid}:fee") or 0
    fee_stripe = view.fee_fen or 0
    if not fee_stripe == pay["fee_fen"] == fee_ledger:
        add("fee_fen", fee_stripe, pay["fee_fen"], fee_ledger, "fee differs")
    refunds = await Refund.select(Refund.id, Refund.amount_fen, Refund.provider_reference).where(
        (Refund.payment == pay["id"]) & (Refund.status == Refund.Status.succeeded.value)
    )
    refunded_ours = sum(r["amount_fen"] for r in refunds)
    refunded_ledger = 0
    for r in refunds:
        refunded_ledger += await _ledger_amount(f"refund:{r['id']}") or 0
    if not view.refunded_fen == refunded_ours == refunded_ledger:
        add(
            "refunded_fen",
            view.refunded_fen,
            refunded_ours,
            refunded_ledger,
            "refunds differ",
        )
    known = {r["provider_reference"] for r in refunds}
    for seen in view.refunds:
        if seen.status == "succeeded" and seen.id not in known:
            add("refund", seen.id, "", "", f"Stripe refund {seen.id} is not booked")
    if view.disputed and not pay["flagged"]:
        add("flagged", "disputed", "not flagged", "", "dispute not flagged")
    return out


async def report(event_id: int | None = None) -> list[Difference]:
    """Every difference between Stripe, our rows and the ledger; empty when they agree.
    Without an event, intents in Stripe that we do not know are named too."""
    if not gateway.config().enabled:
        raise NotAllowed.on(
            "stripe", "online payment is not configured (STRIPE_SECRET_KEY): nothing to reconcile"
        )
    query = Payment.select(Payment.all_columns()).where(
        (Payment.provider == online.STRIPE) & Payment.provider_reference.is_not_null()
    )
    if event_id is not None:
        query = query.where(Payment.pledge.event == event_id)
    differences: list[Difference] = []
    for pay in await query.order_by(Payment.created_at):
        try:
            view = await gateway.retrieve_intent(pay["provider_reference"])
        except gateway.GatewayError as exc:
            differences.append(
                Difference(
                    str(pay["id"]), pay["provider_reference"], "intent", "", "", "", exc.message
                )
            )
            continue
        if view.payment_id not in (None, pay["id"]):
            differences.append(
                Difference(
                    str(pay["id"]),
                    view.id,
                    "metadata",
                    str(view.payment_id),
                    str(pay["id"]),
                    "",
                    "the intent names another payment",
                )
            )
        differences.extend(await _compare(pay, view))
    if event_id is None:
        differences.extend(await unknown_intents())
    return differences


async def unknown_intents() -> list[Difference]:
    """Intents in Stripe that name a minsheng payment we do not hold (or hold under
    another intent): money may have moved that the ledger does not know of."""
    differences = []
    try:
        intents = await gateway.recent_intents()
    except gateway.GatewayError as exc:
        raise online.ProviderUnavailable.on("stripe", exc.message) from exc
    for view in intents:
        if view.payment_id is None:
            continue  # not made by minsheng
        row = (
            await Payment.select(Payment.provider_reference)
            .where(Payment.id == view.payment_id)
            .first()
        )
        if row is None or row["provider_reference"] != view.id:
            if row is not None and row["provider_reference"] is None:
                continue  # being created now, or adopted by the next settling run
            differences.append(
                Difference(
                    str(view.payment_id),
                    view.id,
                    "payment",
                    f"{view.status} {view.received_fen}",
                    "" if row is None else str(row["provider_reference"]),
                    "",
                    "Stripe holds an intent for a payment we do not know under this intent",
                )
            )
    return differences


def as_dicts(differences: list[Difference]) -> list[dict[str, str]]:
    return [d.__dict__.copy() for d in differences]


__all__ = ["Difference", "SettleSummary", "as_dicts", "report", "settle_open_payments"]
