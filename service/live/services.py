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
from service.live.tables import LiveEvent
from service.locks import lock_key
from service.matching.queries import list_pools
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


def _pool_view(pool: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": pool["id"],
        "name": pool["name"],
        "sponsor": pool["sponsor_name"],
        "ratio": pool["ratio"],
        "total_fen": pool["total_fen"],
        "remaining_fen": pool["remaining_fen"],
        "status": pool["status"],
    }


async def active_pools(event_id: int) -> list[dict[str, Any]]:
    return [
        _pool_view(pool)
        for pool in await list_pools(event_id)
        if pool["status"] in ("open", "paused", "exhausted")
    ]


async def update_figures(event_id: int, project_id: int | None) -> dict[str, Any]:
    """What one update carries: the edition's totals, the project's figures and the
    pools — small, because every connected screen receives it."""
    by_project = await event_fund_figures(event_id)
    total = event_total(by_project)
    data: dict[str, Any] = {
        "totals": {"pledged": total.pledged, "received": total.received, "matched": total.matched},
        "pools": await active_pools(event_id),
    }
    if project_id is not None:
        row = await Project.select(Project.target_fen).where(Project.id == project_id).first()
        mine = by_project.get(project_id)
        data["project"] = {
            "id": project_id,
            "target": row["target_fen"] if row else 0,
            "pledged": mine.pledged if mine else 0,
            "received": mine.received if mine else 0,
            "matched": mine.matched if mine else 0,
        }
    return data


async def figures(event_id: int) -> dict[str, Any]:
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


async def _item(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The feed line: who (public name), what, for which project."""
    item: dict[str, Any] = {"kind": kind, "amount_fen": payload.get("amount_fen", 0)}
    pledge_id = payload.get("pledge_id")
    if pledge_id:
        row = (
            await Pledge.select(
                Pledge.channel,
                Pledge.whole_project,
                Pledge.donor.display_name.as_alias("name"),
                Pledge.donor.anonymous.as_alias("anonymous"),
            )
            .where(Pledge.id == pledge_id)
            .first()
        )
        if row:
            item["donor"] = public_name(row["name"], row["anonymous"])
            item["channel"] = row["channel"]
            item["whole_project"] = row["whole_project"]
    if payload.get("pool_id"):
        pools = {p["id"]: p for p in await list_pools(payload["event_id"])}
        pool = pools.get(payload["pool_id"])
        item["donor"] = pool["sponsor_name"] if pool else ""
        item["pool"] = pool["name"] if pool else ""
    item["project_id"] = payload.get("project_id")
    if item["project_id"]:
        title = await Project.select(Project.title).where(Project.id == item["project_id"]).first()
        item["project"] = title["title"] if title else ""
    return item


async def record(topic: str, payload: dict[str, Any]) -> tuple[int, int, bytes]:
    """Number and store the update made from one outbox row (a replay returns the stored
    one). Returns (event id, live id, bus message) for publishing after commit."""
    source = source_id(topic, payload)
    event_id = int(payload["event_id"])
    async with write_transaction():
        await lock_key("live", str(event_id))
        existing = await LiveEvent.select().where(LiveEvent.source == source).first()
        if existing:
            data = existing["payload"]
            data = json.loads(data) if isinstance(data, str) else data
            return event_id, existing["id"], frame(existing["id"], existing["prev"], data)
        last = (
            await LiveEvent.select(LiveEvent.id)
            .where(LiveEvent.event == event_id)
            .order_by(LiveEvent.id, ascending=False)
            .first()
        )
        prev = last["id"] if last else 0
        now = dt.datetime.now(dt.UTC)
        data = {
            "kind": KINDS.get(topic, topic),
            "at": now.isoformat(),
            "item": await _item(KINDS.get(topic, topic), payload),
            **await update_figures(event_id, payload.get("project_id")),
        }
        rows = await LiveEvent.insert(
            LiveEvent(
                event=event_id,
                prev=prev,
                source=source,
                kind=data["kind"],
                payload=data,
                created_at=now,
            )
        ).returning(LiveEvent.id)
        live_id = rows[0]["id"]
    return event_id, live_id, frame(live_id, prev, data)


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


async def recent_feed(event_id: int, limit: int = FEED_LENGTH) -> list[dict[str, Any]]:
    rows = (
        await LiveEvent.select(LiveEvent.payload)
        .where((LiveEvent.event == event_id) & LiveEvent.kind.is_in(["pledge", "match"]))
        .order_by(LiveEvent.id, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )
    return [{**row["payload"]["item"], "at": row["payload"]["at"]} for row in rows]


async def screen_event(number: int) -> dict[str, Any]:
    event = (
        await Event.select(Event.id, Event.number, Event.title, Event.status)
        .where(Event.number == number)
        .first()
    )
    if event is None:
        raise NotFound.on("number", f"no edition {number}")
    return event


async def screen(number: int) -> dict[str, Any]:
    """Everything a live page shows when it is rendered, and the id it continues from."""
    event = await screen_event(number)
    last = await latest_id(event["id"])
    return {
        "event": event,
        "last_id": last,
        "feed": await recent_feed(event["id"]),
        **await figures(event["id"]),
    }
