"""What has been paid against pledges: sums of their succeeded payments."""

from __future__ import annotations

import uuid

from piccolo.query.functions.aggregate import Sum

from service.payments.tables import Payment


async def paid_fen(pledge_id: uuid.UUID) -> int:
    row = (
        await Payment.select(Sum(Payment.amount_fen).as_alias("total"))
        .where((Payment.pledge == pledge_id) & (Payment.status == Payment.Status.succeeded.value))
        .first()
    )
    return int(row["total"] or 0) if row else 0


async def paid_by_pledge(pledge_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Succeeded payments per pledge, for many pledges in one query."""
    if not pledge_ids:
        return {}
    rows = (
        await Payment.select(Payment.pledge, Sum(Payment.amount_fen).as_alias("total"))
        .where(
            Payment.pledge.is_in(pledge_ids) & (Payment.status == Payment.Status.succeeded.value)
        )
        .group_by(Payment.pledge)
    )
    return {row["pledge"]: int(row["total"] or 0) for row in rows}
