"""The live screen's outbox topics: each `live.*` row becomes a numbered update, stored
and published on the live bus (service/live). The web process that committed the row
relays it at once (local topics, no worker hop: the screen shows a pledge well within a
second); workers and beat relay whatever it left. A row whose publishing fails (Redis
down) stays pending and is retried; clients read the stored update back meanwhile."""

from __future__ import annotations

from typing import Any

from service.live import services
from service.live.bus import BUS
from tasks.outbox import Handler, register


def _handler(topic: str) -> Handler:
    async def handle(payload: dict[str, Any]) -> None:
        event_id, _live_id, message = await services.record(topic, payload)
        await BUS.publish(services.channel_for(event_id), message)

    handle.__name__ = f"live_{topic.removeprefix('live.')}"
    return handle


for _topic in services.KINDS:
    register(_topic, local=True)(_handler(_topic))
