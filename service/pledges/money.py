"""A pledge's money state, in one place (docs/architecture.md, "Money invariants").

Everything that asks "can this pledge still take money, how much is still owed, what is
its status now" asks here:

- `PAYABLE`: the statuses that still take money;
- `paid_fen` / `paid_by_pledge` / `held_fen`: sums of its payments (succeeded; authorized
  and not yet captured);
- `outstanding`: what is still owed, and `due_now`: what a new attempt may ask for;
- `status_after` (a payment), `status_after_refund`, and `write_status`, the one writer
  of a pledge's status for money reasons (payment, refund, release);
  `correct_status_after_refund` applies the refund rule once a refund is booked;
- `unpaid_pledges`: the one list of pledges still owed, used by tracking, reminders and
  the digest, the auditors' report, the payments page and bank-statement matching.

Settling a payment against a pledge is `service.payments.settlement.settle`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from piccolo.columns import Column
from piccolo.columns.combination import Combinable
from piccolo.query.functions.aggregate import Sum

from service.payments.tables import Payment, Refund
from service.pledges.codes import pledge_code
from service.pledges.tables import Pledge

Status = Pledge.Status
PAYABLE: tuple[str, ...] = (Status.pledged.value, Status.partially_paid.value)
"""Statuses that still take money; every other status is final."""
CLOSED_UNPAID: tuple[str, ...] = (Status.cancelled.value, Status.lapsed.value)
"""Ended without being paid in full: money arriving now is flagged, not applied."""


def is_payable(status: str) -> bool:
    return status in PAYABLE


def outstanding(amount_fen: int, paid_fen: int, status: str) -> int:
    """What is still owed: the unpaid part of a payable pledge; nothing once it is paid,
    cancelled or lapsed (a released remainder is no longer owed)."""
    return max(amount_fen - paid_fen, 0) if status in PAYABLE else 0


def due_now(amount_fen: int, paid_fen: int, held_fen: int, status: str) -> int:
    """What a new payment attempt may ask for: outstanding less what is authorized and
    waiting for capture."""
    return max(outstanding(amount_fen, paid_fen, status) - held_fen, 0)


def status_after(amount_fen: int, paid: int) -> Status:
    """A payable pledge's status once `paid` fen have been received against it."""
    if paid >= amount_fen:
        return Status.paid
    return Status.partially_paid if paid > 0 else Status.pledged


def status_after_refund(status: str, paid_fen: int, refunded_fen: int) -> Status | None:
    """A paid pledge whose every paid fen has gone back is cancelled ("refunded"); a
    partial refund leaves it as it is (the ledger shows received and refunded side by
    side). None: no change."""
    if status == Status.paid.value and paid_fen - refunded_fen <= 0:
        return Status.cancelled
    return None


REFUNDED_REASON = "refunded"


async def write_status(
    pledge_id: uuid.UUID, status: Status, at: dt.datetime, reason: str | None = None
) -> None:
    """Set the pledge's status (inside the caller's transaction, pledge row locked);
    `closed_at` is `at` for a final status and empty while it is payable."""
    values: dict[Column, object] = {
        Pledge.status: status.value,
        Pledge.closed_at: None if status.value in PAYABLE else at,
    }
    if reason is not None:
        values[Pledge.status_reason] = reason
    await Pledge.update(values).where(Pledge.id == pledge_id)


async def paid_fen(pledge_id: uuid.UUID) -> int:
    """Succeeded payments against the pledge (refunds are not subtracted)."""
    row = (
        await Payment.select(Sum(Payment.amount_fen).as_alias("total"))
        .where((Payment.pledge == pledge_id) & (Payment.status == Payment.Status.succeeded.value))
        .first()
    )
    return int(row["total"] or 0) if row else 0


async def paid_by_pledge(pledge_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Succeeded payments per pledge, for many pledges in one query."""
    if not pledge_ids:
        return {}
    rows = (
        await Payment.select(Payment.pledge, Sum(Payment.amount_fen).as_alias("total"))
        .where(
            Payment.pledge.is_in(list(pledge_ids))
            & (Payment.status == Payment.Status.succeeded.value)
        )
        .group_by(Payment.pledge)
    )
    return {row["pledge"]: int(row["total"] or 0) for row in rows}


async def held_fen(pledge_id: uuid.UUID) -> int:
    """Authorized and not yet captured: promised to us, not received."""
    row = (
        await Payment.select(Sum(Payment.amount_fen).as_alias("total"))
        .where(
            (Payment.pledge == pledge_id)
            & (Payment.status == Payment.Status.requires_capture.value)
        )
        .first()
    )
    return int(row["total"] or 0) if row else 0


async def correct_status_after_refund(pledge_id: uuid.UUID, status: str) -> None:
    """Once a refund against the pledge is booked (a Stripe refund or money given back
    offline), inside that refund's transaction: `status` is the pledge's status before the
    refund; `status_after_refund` decides from what was paid and what has gone back in all
    (succeeded refunds), and `write_status` writes any change with reason "refunded"."""
    back = await Refund.select(Sum(Refund.amount_fen).as_alias("total")).where(
        (Refund.payment.pledge == pledge_id) & (Refund.status == Refund.Status.succeeded.value)
    )
    new = status_after_refund(status, await paid_fen(pledge_id), int(back[0]["total"] or 0))
    if new is not None:
        await write_status(pledge_id, new, dt.datetime.now(dt.UTC), REFUNDED_REASON)


@dataclass(frozen=True)
class UnpaidPledge:
    """A pledge still owed, with what is paid against it."""

    id: uuid.UUID
    event_id: int
    event_title: str
    project_id: int | None
    """None: the edition's general fund."""
    project_title: str | None
    donor_id: uuid.UUID
    donor_name: str
    receipt_title: str
    phone: str | None
    email: str | None
    reminders_opt_out: bool
    channel: str
    status: str
    amount_fen: int
    paid_fen: int
    due_on: dt.date | None
    created_at: dt.datetime

    @property
    def code(self) -> str:
        return pledge_code(self.id)

    @property
    def outstanding_fen(self) -> int:
        return outstanding(self.amount_fen, self.paid_fen, self.status)

    def overdue(self, today: dt.date) -> bool:
        return self.due_on is not None and self.due_on < today


_COLUMNS = (
    Pledge.id,
    Pledge.event,
    Pledge.event.title.as_alias("event_title"),
    Pledge.project,
    Pledge.project.title.as_alias("project_title"),
    Pledge.donor,
    Pledge.donor.display_name.as_alias("donor_name"),
    Pledge.donor.receipt_title.as_alias("receipt_title"),
    Pledge.donor.phone.as_alias("phone"),
    Pledge.donor.email.as_alias("email"),
    Pledge.donor.reminders_opt_out.as_alias("reminders_opt_out"),
    Pledge.channel,
    Pledge.status,
    Pledge.amount_fen,
    Pledge.due_on,
    Pledge.created_at,
)


async def unpaid_pledges(
    where: Combinable | None = None,
    *,
    order_by: Column = Pledge.created_at,
    ascending: bool = True,
    limit: int | None = None,
) -> list[UnpaidPledge]:
    """Payable pledges with something still owed, narrowed by `where` (a condition on
    Pledge, e.g. `Pledge.event == 5`), in `order_by` order."""
    condition = Pledge.status.is_in(list(PAYABLE))
    if where is not None:
        condition = condition & where
    query = Pledge.select(*_COLUMNS).where(condition).order_by(order_by, ascending=ascending)
    if limit is not None:
        query = query.limit(limit)
    rows = await query
    paid = await paid_by_pledge([row["id"] for row in rows])
    pledges = [
        UnpaidPledge(
            id=row["id"],
            event_id=row["event"],
            event_title=row["event_title"],
            project_id=row["project"],
            project_title=row["project_title"],
            donor_id=row["donor"],
            donor_name=row["donor_name"],
            receipt_title=row["receipt_title"] or "",
            phone=row["phone"],
            email=row["email"],
            reminders_opt_out=bool(row["reminders_opt_out"]),
            channel=row["channel"],
            status=row["status"],
            amount_fen=int(row["amount_fen"]),
            paid_fen=paid.get(row["id"], 0),
            due_on=row["due_on"],
            created_at=row["created_at"],
        )
        for row in rows
    ]
    return [pledge for pledge in pledges if pledge.outstanding_fen > 0]
