"""Live-screen events: made from the outbox's `live.*` rows, kept in commit order, shown.

The relay hands every `live.*` row to `record`: under a per-edition lock it numbers the
update (`LiveEvent.id`, ascending in commit order, with `prev` = the edition's previous
update), computes the public figures (edition totals, the project's, the pools'), commits,
then publishes the ready-made SSE frame (service/live/bus.py). Clients resume by id; any
gap — a lost Redis message, a Redis restart — is read back from the table, which is the
durable history. Nothing private is ever put in a payload: the donor's public name
(爱心人士 when anonymous), amounts, project titles.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import msgspec

from service.db import write_transaction
from service.donors.services import public_name
from service.errors import NotFound
from service.events.tables import Event
from service.ledger.balances import event_fund_figures, event_total
from service.live.records import (
    FeedItem,
    FeedLine,
    FeedPledge,
    LiveFigures,
    PoolView,
    Screen,
    ScreenEvent,
)
from service.live.tables import LiveEvent
from service.locks import lock_key
from service.matching.queries import list_pools
from service.matching.records import PoolSummary
from service.pledges.tables import Pledge
from service.projects.tables import Project

SOURCE_NAMESPACE = uuid.UUID("3f7e2b90-6a1d-4c8e-b5f4-0d9c8b7a6e5f")
FEED_LENGTH = 12
CATCH_UP_LIMIT = 2000
"""A client further behind than this reloads the page instead of replaying."""
KINDS = {
    "live.pledge": "pledge",
    "live.payment": "payment",
    "live.pledge_released": "pledge_released",
    "live.match": "match",
    "live.match_released": "match_released",  # a refund gave (part of) a match back
}
_encode = msgspec.json.Encoder().encode


def source_id(topic: str, payload: dict[str, Any]) -> uuid.UUID:
    """The same outbox row (topic and payload) always gives the same source id."""
    return uuid.uuid5(SOURCE_NAMESPACE, topic + json.dumps(payload, sort_keys=True))


def channel_for(event_id: int) -> str:
    return f"live-{event_id}"


def frame(event_id: int, prev: int, data: dict[str, Any]) -> bytes:
    """What the bus carries: a header line `id prev` for the fan-out, then the SSE frame."""
    body = _encode({**data, "id": event_id, "prev": prev})
    return b"%d %d\n" % (event_id, prev) + b"id: %d\nevent: update\ndata: %s\n\n" % (
        event_id,
        body,
    )


def split(message: bytes) -> tuple[int, int, bytes]:
    """(id, prev, SSE frame) of a bus message."""
    head, _, sse = message.partition(b"\n")
    event_id, prev = head.split(b" ")
    return int(event_id), int(prev), sse


def _pool_view(pool: PoolSummary) -> PoolView:
    return {
        "id": pool["id"],
        "name": pool["name"],
        "sponsor": pool["sponsor_name"],
        "ratio": pool["ratio"],
        "total_fen": pool["total_fen"],
        "remaining_fen": pool["remaining_fen"],
        "status": pool["status"],
    }


async def active_pools(event_id: int) -> list[PoolView]:
    return [
        _pool_view(pool)
        for pool in await list_pools(event_id)
        if pool["status"] in ("open", "paused", "exhausted")
    ]


async def figures(event_id: int) -> LiveFigures:
    """Edition totals, every published project's figures and the active pools."""
    by_project = await event_fund_figures(event_id)
    total = event_total(by_project)
    projects = (
        await Project.select(Project.id, Project.title, Project.target_fen, Project.status)
        .where(
            (Project.event == event_id)
            & Project.status.is_in(["published", "funded", "in_progress", "completed"])
        )
        .order_by(Project.id)
    )
    pools = await active_pools(event_id)
    return {
        "totals": {
            "pledged": total.pledged,
            "received": total.received,
            "matched": total.matched,
        },
        "projects": [
            {
                "id": p["id"],
                "title": p["title"],
                "target": p["target_fen"],
                "pledged": by_project[p["id"]].pledged if p["id"] in by_project else 0,
                "received": by_project[p["id"]].received if p["id"] in by_project else 0,
                "matched": by_project[p["id"]].matched if p["id"] in by_project else 0,
            }
            for p in projects
        ],
        "pools": pools,
    }


async def _pledges(payloads: list[dict[str, Any]]) -> dict[str, FeedPledge]:
    ids = sorted({p["pledge_id"] for p in payloads if p.get("pledge_id")})
    if not ids:
        return {}
    rows = await Pledge.select(
        Pledge.id,
        Pledge.channel,
        Pledge.whole_project,
        Pledge.donor.display_name.as_alias("name"),
        Pledge.donor.anonymous.as_alias("anonymous"),
    ).where(Pledge.id.is_in([uuid.UUID(i) for i in ids]))
    return {str(row["id"]): row for row in rows}


def _item(
    kind: str,
    payload: dict[str, Any],
    pledges: dict[str, FeedPledge],
    pools: dict[int, PoolSummary],
    titles: dict[int, str],
) -> FeedItem:
    """The feed line: who (public name), what, for which project."""
    item: FeedItem = {"kind": kind, "amount_fen": payload.get("amount_fen", 0)}
    pledge = pledges.get(str(payload.get("pledge_id")))
    if pledge:
        item["donor"] = public_name(pledge["name"], pledge["anonymous"])
        item["channel"] = pledge["channel"]
        item["whole_project"] = pledge["whole_project"]
    if payload.get("pool_id"):
        pool = pools.get(payload["pool_id"])
        item["donor"] = pool["sponsor_name"] if pool else ""
        item["pool"] = pool["name"] if pool else ""
    item["project_id"] = payload.get("project_id")
    if item["project_id"]:
        item["project"] = titles.get(item["project_id"], "")
    return item


Recorded = tuple[int, int, bytes]
"""(event id, live id, bus message)"""


async def record(topic: str, payload: dict[str, Any]) -> Recorded:
    """Number and store the update made from one outbox row (see `record_many`)."""
    return (await record_many([(topic, payload)]))[0]


async def record_many(rows: list[tuple[str, dict[str, Any]]]) -> list[Recorded]:
    """Number and store the updates made from outbox rows, in their order; a replayed
    row returns its stored update. One transaction and one computation of the figures
    per batch (figures are as of the batch: absolute, never older than the update).
    Returns what to publish after commit, in order."""
    results: list[Recorded] = []
    by_event: dict[int, list[tuple[int, str, dict[str, Any]]]] = {}
    for index, (topic, payload) in enumerate(rows):
        by_event.setdefault(int(payload["event_id"]), []).append((index, topic, payload))
    out: dict[int, Recorded] = {}
    # Not a public change of its own: the figures moved with the pledge's commit, and a
    # live page rendered before this update continues from its id over the stream.
    async with write_transaction(public=False):
        for event_id, items in by_event.items():
            await lock_key("live", str(event_id))
            sources = [source_id(topic, payload) for _, topic, payload in items]
            existing = {
                row["source"]: row
                for row in await LiveEvent.select()
                .where(LiveEvent.source.is_in(sources))
                .output(load_json=True)
            }
            last = (
                await LiveEvent.select(LiveEvent.id)
                .where(LiveEvent.event == event_id)
                .order_by(LiveEvent.id, ascending=False)
                .first()
            )
            prev = last["id"] if last else 0
            fresh = [item for item, src in zip(items, sources, strict=True) if src not in existing]
            context = await _batch_context(event_id, [payload for _, _, payload in fresh])
            now = dt.datetime.now(dt.UTC)
            for (index, topic, payload), source in zip(items, sources, strict=True):
                if source in existing:
                    row = existing[source]
                    out[index] = (
                        event_id,
                        row["id"],
                        frame(row["id"], row["prev"], row["payload"]),
                    )
                    continue
                kind = KINDS.get(topic, topic)
                data = {
                    "kind": kind,
                    "at": now.isoformat(),
                    "item": _item(
                        kind, payload, context["pledges"], context["pools"], context["titles"]
                    ),
                    "totals": context["totals"],
                    "pools": context["pool_views"],
                }
                project_id = payload.get("project_id")
                if project_id is not None:
                    data["project"] = context["project"](project_id)
                inserted = await LiveEvent.insert(
                    LiveEvent(
                        event=event_id,
                        prev=prev,
                        source=source,
                        kind=kind,
                        payload=data,
                        created_at=now,
                    )
                ).returning(LiveEvent.id)
                live_id = inserted[0]["id"]
                out[index] = (event_id, live_id, frame(live_id, prev, data))
                prev = live_id
    results = [out[index] for index in range(len(rows))]
    return results


async def _batch_context(event_id: int, payloads: list[dict[str, Any]]) -> dict[str, Any]:
    if not payloads:
        return {"pledges": {}, "pools": {}, "titles": {}, "totals": {}, "pool_views": []}
    by_project = await event_fund_figures(event_id)
    total = event_total(by_project)
    pools = await list_pools(event_id)
    project_ids = sorted({p["project_id"] for p in payloads if p.get("project_id")})
    rows = (
        await Project.select(Project.id, Project.title, Project.target_fen).where(
            Project.id.is_in(project_ids)
        )
        if project_ids
        else []
    )
    targets = {row["id"]: row["target_fen"] for row in rows}

    def project(project_id: int) -> dict[str, Any]:
        mine = by_project.get(project_id)
        return {
            "id": project_id,
            "target": targets.get(project_id, 0),
            "pledged": mine.pledged if mine else 0,
            "received": mine.received if mine else 0,
            "matched": mine.matched if mine else 0,
        }

    return {
        "pledges": await _pledges(payloads),
        "pools": {pool["id"]: pool for pool in pools},
        "titles": {row["id"]: row["title"] for row in rows},
        "totals": {"pledged": total.pledged, "received": total.received, "matched": total.matched},
        "pool_views": [
            _pool_view(pool) for pool in pools if pool["status"] in ("open", "paused", "exhausted")
        ],
        "project": project,
    }


async def events_after(event_id: int, after: int, limit: int = CATCH_UP_LIMIT) -> list[bytes]:
    """Bus messages of the edition's updates after `after`, from the durable history."""
    rows = (
        await LiveEvent.select(LiveEvent.id, LiveEvent.prev, LiveEvent.payload)
        .where((LiveEvent.event == event_id) & (LiveEvent.id > after))
        .order_by(LiveEvent.id)
        .limit(limit)
        .output(load_json=True)
    )
    return [frame(row["id"], row["prev"], row["payload"]) for row in rows]


async def latest_id(event_id: int) -> int:
    row = (
        await LiveEvent.select(LiveEvent.id)
        .where(LiveEvent.event == event_id)
        .order_by(LiveEvent.id, ascending=False)
        .first()
    )
    return row["id"] if row else 0


async def recent_feed(event_id: int, limit: int = FEED_LENGTH) -> list[FeedLine]:
    rows = (
        await LiveEvent.select(LiveEvent.payload)
        .where((LiveEvent.event == event_id) & LiveEvent.kind.is_in(["pledge", "match"]))
        .order_by(LiveEvent.id, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )
    return [{**row["payload"]["item"], "at": row["payload"]["at"]} for row in rows]


async def screen_event(number: int) -> ScreenEvent:
    event = (
        await Event.select(Event.id, Event.number, Event.title, Event.status)
        .where(Event.number == number)
        .first()
    )
    if event is None:
        raise NotFound.on("number", f"no edition {number}")
    return event


async def screen(number: int) -> Screen:
    """Everything a live page shows when it is rendered, and the id it continues from."""
    event = await screen_event(number)
    last = await latest_id(event["id"])
    return {
        "event": event,
        "last_id": last,
        "feed": await recent_feed(event["id"]),
        **await figures(event["id"]),
    }
