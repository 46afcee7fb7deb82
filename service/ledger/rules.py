"""Posting rules: one function per kind of money movement, each keyed by its source.

Callers pass plain values (ids and fen), never rows; the key makes each posting
idempotent, so a retried task or a replayed webhook posts nothing new.
"""

from __future__ import annotations

import datetime as dt
import uuid

from service.ledger.accounts import Type, cash_ref, fund_ref
from service.ledger.services import Line, Posted, post
from service.ledger.tables import LedgerTransaction

Kind = LedgerTransaction.Kind


async def pledge_made(
    *,
    pledge_id: uuid.UUID,
    event_id: int,
    project_id: int | None,
    amount_fen: int,
    occurred_at: dt.datetime | None = None,
) -> Posted:
    return await post(
        key=f"pledge:{pledge_id}:made",
        kind=Kind.pledge_made,
        event_id=event_id,
        project_id=project_id,
        memo=f"pledge {pledge_id}",
        occurred_at=occurred_at,
        lines=[
            Line(fund_ref(Type.receivable, project_id, event_id), amount_fen),
            Line(fund_ref(Type.pledged, project_id, event_id), -amount_fen),
        ],
    )


async def pledge_released(
    *,
    pledge_id: uuid.UUID,
    event_id: int,
    project_id: int | None,
    amount_fen: int,
    reason: str,
) -> Posted:
    """The unpaid remainder of a cancelled or lapsed pledge leaves pledged and receivable."""
    return await post(
        key=f"pledge:{pledge_id}:released",
        kind=Kind.pledge_released,
        event_id=event_id,
        project_id=project_id,
        memo=f"pledge {pledge_id} released: {reason}",
        lines=[
            Line(fund_ref(Type.pledged, project_id, event_id), amount_fen),
            Line(fund_ref(Type.receivable, project_id, event_id), -amount_fen),
        ],
    )


async def payment_received(
    *,
    payment_id: uuid.UUID,
    provider: str,
    event_id: int,
    project_id: int | None,
    amount_fen: int,
    occurred_at: dt.datetime | None = None,
) -> Posted:
    return await post(
        key=f"payment:{payment_id}:received",
        kind=Kind.payment_received,
        event_id=event_id,
        project_id=project_id,
        memo=f"{provider} payment {payment_id}",
        occurred_at=occurred_at,
        lines=[
            Line(cash_ref(provider), amount_fen),
            Line(fund_ref(Type.receivable, project_id, event_id), -amount_fen),
        ],
    )


async def provider_fee(
    *,
    payment_id: uuid.UUID,
    provider: str,
    event_id: int,
    project_id: int | None,
    fee_fen: int,
) -> Posted:
    return await post(
        key=f"payment:{payment_id}:fee",
        kind=Kind.provider_fee,
        event_id=event_id,
        project_id=project_id,
        memo=f"{provider} fee on payment {payment_id}",
        lines=[
            Line(fund_ref(Type.fees, project_id, event_id), fee_fen),
            Line(cash_ref(provider), -fee_fen),
        ],
    )


async def refund(
    *,
    refund_id: uuid.UUID,
    provider: str,
    event_id: int,
    project_id: int | None,
    amount_fen: int,
) -> Posted:
    return await post(
        key=f"refund:{refund_id}",
        kind=Kind.refund,
        event_id=event_id,
        project_id=project_id,
        memo=f"{provider} refund {refund_id}",
        lines=[
            Line(fund_ref(Type.refunded, project_id, event_id), amount_fen),
            Line(cash_ref(provider), -amount_fen),
        ],
    )
