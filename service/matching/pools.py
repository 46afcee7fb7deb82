"""A pool's life: created (as a draft, or funded at once), funded (ledger `pool_funded`),
paused, resumed and closed. Every change is audited in its own transaction."""

from __future__ import annotations

import datetime as dt

from service.audit.services import Actor, record
from service.db import write_transaction
from service.errors import InvalidInput, NotAllowed
from service.i18n import gettext as _
from service.ledger import rules
from service.matching.drafts import PoolDraft, check_draft, check_references
from service.matching.locking import locked_pool
from service.matching.ratios import ratio_text
from service.matching.tables import MatchingPool

Status = MatchingPool.Status


async def create_pool(
    draft: PoolDraft, actor: Actor, *, fund: bool = True, funded_at: dt.datetime | None = None
) -> int:
    """A sponsor's pool. With `fund` (the default) it is paid in at once (dated `funded_at`
    when recorded after the fact, as the demo's history is); otherwise it waits in `draft`
    for `fund_pool`."""
    check_draft(draft)
    await check_references(draft)
    async with write_transaction():
        pool = MatchingPool(
            event=draft.event_id,
            sponsor=draft.sponsor_org_id,
            name=draft.name.strip(),
            total_fen=draft.total_fen,
            ratio_numerator=draft.ratio_numerator,
            ratio_denominator=draft.ratio_denominator,
            cap_per_gift_fen=draft.cap_per_gift_fen,
            cap_per_project_fen=draft.cap_per_project_fen,
            cap_per_donor_day_fen=draft.cap_per_donor_day_fen,
            eligible_projects=sorted(set(draft.eligible_project_ids)),
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            status=Status.draft.value,
        )
        await pool.save()
        await record(
            actor,
            "matching.pool.create",
            "matching_pool",
            pool.id,
            data={
                "total_fen": draft.total_fen,
                "ratio": ratio_text(draft.ratio_numerator, draft.ratio_denominator),
            },
        )
        if fund:
            await fund_pool(pool.id, actor, at=funded_at)
    return pool.id


async def fund_pool(pool_id: int, actor: Actor, *, at: dt.datetime | None = None) -> None:
    """The sponsor's money arrived (now, or `at`): booked as `pool_funded`, the pool opens."""
    async with write_transaction():
        pool = await locked_pool(pool_id)
        if pool["funded_at"] is not None:
            raise NotAllowed.on("pool_id", _("配捐池已经注资。"))
        if pool["status"] == Status.closed.value:
            raise NotAllowed.on("pool_id", _("配捐池已关闭。"))
        now = at or dt.datetime.now(dt.UTC)
        await rules.pool_funded(
            pool_id=pool_id, event_id=pool["event"], amount_fen=pool["total_fen"], occurred_at=now
        )
        await MatchingPool.update(
            {MatchingPool.funded_at: now, MatchingPool.status: Status.open.value}
        ).where(MatchingPool.id == pool_id)
        await record(
            actor, "matching.pool.fund", "matching_pool", pool_id, data={"fen": pool["total_fen"]}
        )


def status_label(status: str) -> str:
    """The pool status as pages name it (console/matching/_labels.html has the same)."""
    labels = {
        Status.draft.value: _("待注资"),
        Status.open.value: _("配捐中"),
        Status.paused.value: _("已暂停"),
        Status.exhausted.value: _("已用完"),
        Status.closed.value: _("已关闭"),
    }
    return labels.get(status, status)


_MOVES = {
    "pause": ({Status.open.value}, Status.paused),
    "resume": ({Status.paused.value}, Status.open),
    "close": (
        {Status.draft.value, Status.open.value, Status.paused.value, Status.exhausted.value},
        Status.closed,
    ),
}


async def set_pool_state(pool_id: int, move: str, reason: str, actor: Actor) -> str:
    """Pause, resume or close a pool; returns its new status. Closing keeps what was
    allocated; what is left stays in the pool account for the sponsor."""
    if move not in _MOVES:
        raise InvalidInput.on("action", _("请选择暂停、恢复或关闭。"))
    if move != "resume" and not reason.strip():
        raise InvalidInput.on("reason", _("请填写原因。"))
    allowed, target = _MOVES[move]
    async with write_transaction():
        pool = await locked_pool(pool_id)
        if pool["status"] not in allowed:
            raise NotAllowed.on(
                "pool_id",
                _("状态为“%(status)s”的配捐池不能这样操作。")
                % {"status": status_label(pool["status"])},
            )
        await MatchingPool.update(
            {MatchingPool.status: target.value, MatchingPool.status_reason: reason.strip()}
        ).where(MatchingPool.id == pool_id)
        await record(actor, f"matching.pool.{move}", "matching_pool", pool_id, reason=reason)
    return target.value
