"""What clients send to and get from the matching API (fen are integers)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

Fen = Annotated[int, msgspec.Meta(ge=1, le=10**13)]
Id = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
Ratio = Annotated[str, msgspec.Meta(max_length=20, description="gift:match, e.g. 1:1 or 1:0.5")]
Reason = Annotated[str, msgspec.Meta(max_length=500)]


class PoolCreate(msgspec.Struct, forbid_unknown_fields=True):
    event: Annotated[int, msgspec.Meta(ge=1, le=10_000, description="Edition number")]
    sponsor_org_id: Id
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    total_fen: Fen
    ratio: Annotated[
        str, msgspec.Meta(max_length=20, description="gift:match, e.g. 1:1 or 1:0.5")
    ] = "1:1"
    cap_per_gift_fen: Fen | None = None
    cap_per_project_fen: Fen | None = None
    cap_per_donor_day_fen: Fen | None = None
    eligible_project_ids: Annotated[list[Id], msgspec.Meta(max_length=500)] = []
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    fund: bool = False
    """Book the sponsor's money at once (otherwise POST …/fund later)."""


class Reasoned(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason = ""


class PoolOut(msgspec.Struct):
    id: int
    event_number: int
    name: str
    sponsor: int
    sponsor_name: str
    status: str
    ratio: str
    total_fen: int
    allocated_fen: int
    remaining_fen: int
    released_fen: int
    gifts_matched: int
    held: int
    cap_per_gift_fen: int | None
    cap_per_project_fen: int | None
    cap_per_donor_day_fen: int | None
    eligible_projects: list[int]
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    funded_at: dt.datetime | None
    status_reason: str


class AllocationOut(msgspec.Struct):
    id: uuid.UUID
    pool: int
    pool_name: str
    payment: uuid.UUID
    project: int
    project_title: str
    amount_fen: int
    released_fen: int
    created_at: dt.datetime


class HeldOut(msgspec.Struct):
    id: uuid.UUID
    payment: uuid.UUID
    pledge: uuid.UUID
    pool: int | None
    pool_name: str | None
    reason: str
    gift_fen: int
    paid_at: dt.datetime
    project_title: str | None
    donor_name: str
    donor_email: str | None
    donor_phone: str | None


class ReviewOut(msgspec.Struct):
    outcome: str
    matched_fen: int
