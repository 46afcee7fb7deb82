"""Matching pools over the staff API: organizers create, fund, pause, resume and close
pools and review held matches; auditors and organizers read pools and allocations."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter

from service.auth.guards import (
    CurrentStaff,
    requires_financial_reader,
    requires_organizer,
)
from service.matching import drafts, pools, queries, ratios, review
from service.matching.console_pages import ConsoleMatchingPages
from service.matching.schemas import (
    AllocationOut,
    HeldOut,
    PoolCreate,
    PoolOut,
    Reasoned,
    ReviewOut,
)

PoolId = Annotated[int, PathParameter(gt=0, le=2**31 - 1, description="Matching pool id")]
EventQuery = Annotated[int | None, QueryParameter(gt=0, le=10_000, description="Edition number")]


async def pool_draft(data: PoolCreate) -> drafts.PoolDraft:
    numerator, denominator = ratios.parse_ratio(data.ratio)
    return drafts.PoolDraft(
        event_id=await queries.event_id_of(data.event),
        sponsor_org_id=data.sponsor_org_id,
        name=data.name,
        total_fen=data.total_fen,
        ratio_numerator=numerator,
        ratio_denominator=denominator,
        cap_per_gift_fen=data.cap_per_gift_fen,
        cap_per_project_fen=data.cap_per_project_fen,
        cap_per_donor_day_fen=data.cap_per_donor_day_fen,
        eligible_project_ids=tuple(data.eligible_project_ids),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
    )


class MatchingApi(Controller):
    path = "/api/v1/matching"
    tags = ["matching"]

    @get("/pools", operation_id="listMatchingPools", guards=[requires_financial_reader])
    async def list_pools(self, event: EventQuery = None) -> list[PoolOut]:
        event_id = None if event is None else await queries.event_id_of(event)
        return msgspec.convert(await queries.list_pools(event_id), list[PoolOut])

    @post("/pools", operation_id="createMatchingPool", guards=[requires_organizer])
    async def create_pool(self, staff: CurrentStaff, data: JSONBody[PoolCreate]) -> PoolOut:
        pool_id = await pools.create_pool(await pool_draft(data), staff.actor, fund=data.fund)
        return msgspec.convert(await queries.get_pool(pool_id), PoolOut)

    @get("/pools/{pool_id:int}", operation_id="getMatchingPool", guards=[requires_financial_reader])
    async def get_pool(self, pool_id: PoolId) -> PoolOut:
        return msgspec.convert(await queries.get_pool(pool_id), PoolOut)

    @get(
        "/pools/{pool_id:int}/allocations",
        operation_id="listPoolAllocations",
        guards=[requires_financial_reader],
    )
    async def pool_allocations(self, pool_id: PoolId) -> list[AllocationOut]:
        await queries.get_pool(pool_id)
        return msgspec.convert(await queries.allocations(pool_id=pool_id), list[AllocationOut])

    @post(
        "/pools/{pool_id:int}/fund",
        operation_id="fundMatchingPool",
        guards=[requires_organizer],
        status_code=200,
    )
    async def fund(self, staff: CurrentStaff, pool_id: PoolId) -> PoolOut:
        await pools.fund_pool(pool_id, staff.actor)
        return msgspec.convert(await queries.get_pool(pool_id), PoolOut)

    @post(
        "/pools/{pool_id:int}/{action:str}",
        operation_id="changeMatchingPoolState",
        guards=[requires_organizer],
        status_code=200,
    )
    async def change_state(
        self,
        staff: CurrentStaff,
        pool_id: PoolId,
        action: Annotated[str, PathParameter(max_length=20, description="pause|resume|close")],
        data: JSONBody[Reasoned],
    ) -> PoolOut:
        await pools.set_pool_state(pool_id, action, data.reason, staff.actor)
        return msgspec.convert(await queries.get_pool(pool_id), PoolOut)

    @get("/held", operation_id="listHeldMatches", guards=[requires_organizer])
    async def held(self) -> list[HeldOut]:
        return msgspec.convert(await queries.held_decisions(), list[HeldOut])

    @post(
        "/held/{decision_id:uuid}/release",
        operation_id="releaseHeldMatch",
        guards=[requires_organizer],
        status_code=200,
    )
    async def release(
        self, staff: CurrentStaff, decision_id: FromPath[uuid.UUID], data: JSONBody[Reasoned]
    ) -> ReviewOut:
        result = await review.release_held(decision_id, data.reason, staff.actor)
        return msgspec.convert(result, ReviewOut)

    @post(
        "/held/{decision_id:uuid}/refuse",
        operation_id="refuseHeldMatch",
        guards=[requires_organizer],
        status_code=200,
    )
    async def refuse(
        self, staff: CurrentStaff, decision_id: FromPath[uuid.UUID], data: JSONBody[Reasoned]
    ) -> ReviewOut:
        await review.refuse_held(decision_id, data.reason, staff.actor)
        return ReviewOut(outcome="refused", matched_fen=0)

    @get("/allocations", operation_id="listMatchAllocations", guards=[requires_financial_reader])
    async def event_allocations(
        self, event: Annotated[int, QueryParameter(gt=0, le=10_000, description="Edition")]
    ) -> list[AllocationOut]:
        event_id = await queries.event_id_of(event)
        return msgspec.convert(await queries.allocations(event_id=event_id), list[AllocationOut])


ROUTES = [MatchingApi, ConsoleMatchingPages]
