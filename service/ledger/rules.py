"""Posting rules: one function per kind of money movement, each keyed by its source.

Callers pass plain values (ids and fen), never rows; the key makes each posting
idempotent, so a retried task or a replayed webhook posts nothing new.
"""

from __future__ import annotations

import datetime as dt
import uuid

from service.ledger.accounts import (
    PAYOUT_PROVIDER,
    AccountRef,
    Type,
    cash_ref,
    fund_ref,
    pool_ref,
)
from service.ledger.services import Line, Posted, post, transaction_by_key
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


async def payout(
    *,
    payout_id: str,
    provider: str,
    amount_fen: int,
    occurred_at: dt.datetime | None = None,
) -> Posted:
    """A provider's clearing balance (e.g. Stripe's) paid out to the bank account."""
    return await post(
        key=f"payout:{provider}:{payout_id}",
        kind=Kind.payout,
        event_id=None,
        memo=f"{provider} payout {payout_id}",
        occurred_at=occurred_at,
        lines=[
            Line(cash_ref(PAYOUT_PROVIDER), amount_fen),
            Line(cash_ref(provider), -amount_fen),
        ],
    )


async def pool_funded(
    *,
    pool_id: int,
    event_id: int,
    amount_fen: int,
    provider: str = PAYOUT_PROVIDER,
    occurred_at: dt.datetime | None = None,
) -> Posted:
    """A sponsor's matching pool paid in: money held, not yet allocated to a project."""
    return await post(
        key=f"pool:{pool_id}:funded",
        kind=Kind.pool_funded,
        event_id=event_id,
        memo=f"matching pool {pool_id} funded",
        occurred_at=occurred_at,
        lines=[
            Line(cash_ref(provider), amount_fen),
            Line(pool_ref(pool_id, event_id), -amount_fen),
        ],
    )


async def match_allocated(
    *,
    allocation_id: uuid.UUID,
    pool_id: int,
    payment_id: uuid.UUID,
    event_id: int,
    project_id: int,
    amount_fen: int,
    occurred_at: dt.datetime | None = None,
) -> Posted:
    """Matching money leaves the pool for the project of the matched gift."""
    return await post(
        key=f"match:{allocation_id}",
        kind=Kind.match_allocated,
        event_id=event_id,
        project_id=project_id,
        memo=f"pool {pool_id} matches payment {payment_id}",
        occurred_at=occurred_at,
        lines=[
            Line(pool_ref(pool_id, event_id), amount_fen),
            Line(AccountRef(Type.matched, project_id=project_id), -amount_fen),
        ],
    )


async def match_released(
    *,
    release_id: uuid.UUID,
    pool_id: int,
    event_id: int,
    project_id: int,
    amount_fen: int,
    reason: str,
) -> Posted:
    """Matching money goes back from the project to its pool (the gift was refunded)."""
    return await post(
        key=f"match-release:{release_id}",
        kind=Kind.match_released,
        event_id=event_id,
        project_id=project_id,
        memo=f"pool {pool_id} match released: {reason}",
        lines=[
            Line(AccountRef(Type.matched, project_id=project_id), amount_fen),
            Line(pool_ref(pool_id, event_id), -amount_fen),
        ],
    )


async def disbursement(
    *,
    disbursement_id: uuid.UUID,
    event_id: int,
    project_id: int,
    amount_fen: int,
    payee: str,
    occurred_at: dt.datetime | None = None,
) -> Posted:
    """Funds paid from the bank account to a project's implementer."""
    return await post(
        key=f"disbursement:{disbursement_id}",
        kind=Kind.disbursement,
        event_id=event_id,
        project_id=project_id,
        memo=f"disbursement {disbursement_id} to {payee}",
        occurred_at=occurred_at,
        lines=[
            Line(AccountRef(Type.disbursed, project_id=project_id), amount_fen),
            Line(cash_ref(PAYOUT_PROVIDER), -amount_fen),
        ],
    )


async def reallocation(
    *,
    reallocation_id: uuid.UUID,
    event_id: int,
    project_id: int,
    amount_fen: int,
    reason: str,
    target_project_id: int | None = None,
    occurred_at: dt.datetime | None = None,
) -> Posted:
    """A project's money moved to its edition's general fund, or (with the donor's
    consent) to another project of the edition."""
    target = (
        AccountRef(Type.reallocated, project_id=target_project_id)
        if target_project_id is not None
        else AccountRef(Type.reallocated, event_id=event_id)
    )
    where = f"project {target_project_id}" if target_project_id is not None else "the general fund"
    return await post(
        key=f"reallocation:{reallocation_id}",
        kind=Kind.reallocation,
        event_id=event_id,
        project_id=project_id,
        memo=f"reallocation {reallocation_id} to {where}: {reason}",
        occurred_at=occurred_at,
        lines=[
            Line(AccountRef(Type.reallocated, project_id=project_id), amount_fen),
            Line(target, -amount_fen),
        ],
    )


async def reversal(*, key: str, reason: str) -> Posted:
    """Reverse the transaction posted under `key` with its mirror image (the only way
    to correct the ledger). Reversing twice is a no-op; the source record must be
    corrected by the caller in the same database transaction."""
    original = await transaction_by_key(key)
    return await post(
        key=f"reversal:{key}",
        kind=Kind.reversal,
        event_id=original.event_id,
        project_id=original.project_id,
        memo=f"reversal of {key}: {reason}",
        lines=[Line(ref, -amount, note=f"reverses {key}") for ref, amount in original.lines],
    )
