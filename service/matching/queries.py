"""Reading pools, allocations and matching records (console, audit portal, live screen)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from service.errors import NotFound
from service.events.tables import Event
from service.i18n import gettext as _
from service.matching.ratios import ratio_text
from service.matching.records import (
    AllocationLine,
    DecisionLine,
    PledgeDecision,
    PoolSummary,
    ReleaseRow,
)
from service.matching.tables import MatchAllocation, MatchDecision, MatchingPool, MatchRelease

_POOLS_SQL = """
SELECT mp.*, o.name AS sponsor_name, e.number AS event_number,
       CAST(COALESCE((SELECT SUM(m.amount_fen) FROM match_allocation m
                      WHERE m.pool = mp.id), 0) AS BIGINT)
         AS allocated_gross_fen,
       CAST(COALESCE((SELECT SUM(r.amount_fen) FROM match_release r
                      WHERE r.pool = mp.id), 0) AS BIGINT)
         AS released_fen,
       (SELECT COUNT(*) FROM match_allocation m WHERE m.pool = mp.id) AS gifts_matched,
       (SELECT COUNT(*) FROM match_decision d WHERE d.pool = mp.id AND d.outcome = 'held')
         AS held
FROM matching_pool mp
JOIN organization o ON o.id = mp.sponsor
JOIN event e ON e.id = mp.event
"""


def _shape(row: dict[str, Any]) -> PoolSummary:
    projects = row.get("eligible_projects") or []
    if isinstance(projects, str):
        projects = json.loads(projects)
    return {
        **row,
        "eligible_projects": projects,
        "ratio": ratio_text(row["ratio_numerator"], row["ratio_denominator"]),
        "remaining_fen": (row["total_fen"] if row["funded_at"] else 0) - row["allocated_fen"],
    }


async def event_id_of(number: int) -> int:
    row = await Event.select(Event.id).where(Event.number == number).first()
    if row is None:
        raise NotFound.on("event", _("没有这一届众筹会。"))
    return row["id"]


async def list_pools(event_id: int | None = None) -> list[PoolSummary]:
    if event_id is None:
        rows = await MatchingPool.raw(_POOLS_SQL + " ORDER BY e.number DESC, mp.id")
    else:
        rows = await MatchingPool.raw(_POOLS_SQL + " WHERE mp.event = {} ORDER BY mp.id", event_id)
    return [_shape(row) for row in rows]


async def get_pool(pool_id: int) -> PoolSummary:
    rows = await MatchingPool.raw(_POOLS_SQL + " WHERE mp.id = {}", pool_id)
    if not rows:
        raise NotFound.on("pool_id", _("没有编号为%(id)s的配捐池。") % {"id": pool_id})
    return _shape(rows[0])


_ALLOCATIONS_SQL = """
SELECT m.id, m.pool, mp.name AS pool_name, m.payment, m.project, p.title AS project_title,
       m.amount_fen, m.created_at,
       CAST(COALESCE((SELECT SUM(r.amount_fen) FROM match_release r
                      WHERE r.allocation = m.id), 0) AS BIGINT)
         AS released_fen
FROM match_allocation m
JOIN matching_pool mp ON mp.id = m.pool
JOIN project p ON p.id = m.project
WHERE {where}
ORDER BY m.created_at, m.id
"""


async def allocations(
    *, event_id: int | None = None, pool_id: int | None = None
) -> list[AllocationLine]:
    if pool_id is not None:
        sql, arg = _ALLOCATIONS_SQL.replace("{where}", "m.pool = {}"), pool_id
    else:
        sql, arg = _ALLOCATIONS_SQL.replace("{where}", "mp.event = {}"), event_id
    return await MatchAllocation.raw(sql, arg)


async def releases(pool_id: int) -> list[ReleaseRow]:
    return await MatchRelease.select().where(MatchRelease.pool == pool_id).order_by(MatchRelease.id)


_DECISIONS_SQL = """
SELECT d.id, d.payment, d.pledge, d.pool, mp.name AS pool_name, d.outcome, d.reason,
       d.matched_fen, d.reviewed_at, d.review_reason, d.created_at,
       CAST(COALESCE((SELECT SUM(r.amount_fen) FROM match_release r
                      WHERE r.allocation = d.allocation), 0) AS BIGINT) AS released_fen,
       pay.amount_fen AS gift_fen, COALESCE(pay.settled_at, pay.created_at) AS paid_at,
       pr.title AS project_title,
       dn.display_name AS donor_name, dn.email AS donor_email, dn.phone AS donor_phone
FROM match_decision d
JOIN payment pay ON pay.id = d.payment
JOIN pledge pl ON pl.id = d.pledge
JOIN donor dn ON dn.id = pl.donor
LEFT JOIN project pr ON pr.id = pl.project
LEFT JOIN matching_pool mp ON mp.id = d.pool
WHERE {where}
ORDER BY d.created_at, d.id
"""


async def held_decisions() -> list[DecisionLine]:
    """The review queue: matches withheld by an abuse rule, oldest first."""
    return await MatchDecision.raw(_DECISIONS_SQL.replace("{where}", "d.outcome = 'held'"))


async def decisions_for_pledge(pledge_id: uuid.UUID) -> list[PledgeDecision]:
    """The pledge's matching record: one line per settled payment of it."""
    rows = await MatchDecision.raw(_DECISIONS_SQL.replace("{where}", "d.pledge = {}"), pledge_id)
    return [
        {k: row[k] for k in ("payment", "pool", "pool_name", "outcome", "reason", "matched_fen")}
        for row in rows
    ]


async def decisions_for_event(event_id: int) -> list[DecisionLine]:
    return await MatchDecision.raw(_DECISIONS_SQL.replace("{where}", "pl.event = {}"), event_id)


async def matched_by_project(event_id: int) -> dict[int, int]:
    """Net matched fen per project of the edition (allocations minus releases)."""
    rows = await MatchAllocation.raw(
        """
        SELECT x.project AS project, SUM(x.amount_fen) AS total FROM (
            SELECT m.project, m.amount_fen FROM match_allocation m
            UNION ALL SELECT r.project, -r.amount_fen FROM match_release r
        ) x JOIN project p ON p.id = x.project WHERE p.event = {} GROUP BY x.project
        """,
        event_id,
    )
    return {row["project"]: int(row["total"] or 0) for row in rows}
