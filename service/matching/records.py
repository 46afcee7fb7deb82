"""The shapes of the matching rows the services read and hand around (Piccolo selects
are plain dicts): typed records that document the keys, nothing at run time."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TypedDict


class PoolRow(TypedDict):
    """`MatchingPool.select()`: every column."""

    id: int
    event: int
    sponsor: int
    name: str
    total_fen: int
    allocated_fen: int
    ratio_numerator: int
    ratio_denominator: int
    cap_per_gift_fen: int | None
    cap_per_project_fen: int | None
    cap_per_donor_day_fen: int | None
    status: str
    created_at: dt.datetime
    eligible_projects: list[int] | str
    """Project ids; JSON text as SQLite hands it back unless asked."""
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    funded_at: dt.datetime | None
    status_reason: str


class PoolSummary(PoolRow):
    """A pool with its sponsor and figures (`queries.list_pools`, `get_pool`);
    `eligible_projects` is always a list here."""

    sponsor_name: str
    event_number: int
    allocated_gross_fen: int
    released_fen: int
    gifts_matched: int
    held: int
    ratio: str
    remaining_fen: int


class Gift(TypedDict):
    """A settled payment as matching sees it (`draws.settled_gift`)."""

    id: uuid.UUID
    amount_fen: int
    status: str
    settled_at: dt.datetime | None
    created_at: dt.datetime
    provider_reference: str
    """`stmt:…` for a statement line's payment (see `abuse._payer`)."""
    pledge: uuid.UUID
    event: int
    project: int | None
    donor: uuid.UUID


class SameDonorGift(TypedDict):
    """An earlier gift of the same donor in the event (`abuse._same_donor_gifts`)."""

    id: uuid.UUID
    amount_fen: int
    at: dt.datetime


class NewDecision(TypedDict):
    """A gift's matching record as written (`allocation._decide`)."""

    id: uuid.UUID
    payment: uuid.UUID
    pledge: uuid.UUID
    pool: int | None
    outcome: str
    reason: str
    matched_fen: int
    allocation: uuid.UUID | None


class DecisionRow(NewDecision):
    """`MatchDecision.select()`: every column."""

    reviewed_by: int | None
    reviewed_at: dt.datetime | None
    review_reason: str
    created_at: dt.datetime


class ReleaseOutcome(TypedDict):
    """What releasing a held match did (`review.release_held`)."""

    matched_fen: int
    outcome: str


class AllocationLine(TypedDict):
    """An allocation with its pool and project (`queries.allocations`)."""

    id: uuid.UUID
    pool: int
    pool_name: str
    payment: uuid.UUID
    project: int
    project_title: str
    amount_fen: int
    created_at: dt.datetime
    released_fen: int


class ReleaseRow(TypedDict):
    """`MatchRelease.select()`: every column."""

    id: uuid.UUID
    allocation: uuid.UUID
    pool: int
    project: int
    amount_fen: int
    reason: str
    created_at: dt.datetime


class DecisionLine(TypedDict):
    """A matching record with its gift, pool and donor (`queries.held_decisions`,
    `decisions_for_event`)."""

    id: uuid.UUID
    payment: uuid.UUID
    pledge: uuid.UUID
    pool: int | None
    pool_name: str | None
    outcome: str
    reason: str
    matched_fen: int
    reviewed_at: dt.datetime | None
    review_reason: str
    created_at: dt.datetime
    released_fen: int
    """What refunds gave back to the pool of this gift's match."""
    gift_fen: int
    paid_at: dt.datetime
    project_title: str | None
    donor_name: str
    donor_email: str | None
    donor_phone: str | None


class PledgeDecision(TypedDict):
    """One line of a pledge's matching record (`queries.decisions_for_pledge`)."""

    payment: uuid.UUID
    pool: int | None
    pool_name: str | None
    outcome: str
    reason: str
    matched_fen: int
