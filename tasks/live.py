"""The live screen's outbox topics: each `live.*` row becomes a numbered update, stored
and published on the live bus (service/live).

The web process that committed a row relays it at once, in batches (`relay_live`, a
local relay: no worker hop, one transaction per batch, the rows of a 50 ms window
together: tasks/outbox.LOCAL_WINDOW_S), so the screen shows a pledge well
within a second even at a hundred pledges a second. Workers and beat relay whatever it
left through the per-row handlers. A row whose publishing fails (Redis down) is retried
after a back-off; clients read the stored update back meanwhile.
"""

from __future__ import annotations

from typing import Any

from service.live import services
from service.live.bus import BUS
from service.outbox.relay_hooks import LOCAL_TOPICS
from service.outbox.services import backoff_s, claim, mark_delivered_many, mark_failed
from service.settings import get_settings
from tasks.outbox import Handler, LocalRelayDeferred, register, register_local

LIVE_BATCH = 500


def _handler(topic: str) -> Handler:
    async def handle(payload: dict[str, Any]) -> None:
        event_id, _live_id, message = await services.record(topic, payload)
        await BUS.publish(services.channel_for(event_id), message)

    handle.__name__ = f"live_{topic.removeprefix('live.')}"
    return handle


for _topic in services.KINDS:
    register(_topic)(_handler(_topic))
    LOCAL_TOPICS.add(_topic)


@register_local
async def relay_live() -> int:
    """Claim, record, publish and mark delivered every due live row, batch by batch."""
    settings = get_settings()
    delivered = 0
    while True:
        rows = await claim(list(services.KINDS), LIVE_BATCH, settings.outbox_lease_s)
        if not rows:
            return delivered
        recorded = await services.record_many([(row["topic"], row["payload"]) for row in rows])
        try:
            for event_id, _live_id, message in recorded:
                await BUS.publish(services.channel_for(event_id), message)
        except Exception as exc:  # stored already: clients read them back; publish later
            base_s = settings.outbox_retry_base_s
            for row in rows:
                await mark_failed(row["id"], row["attempts"] + 1, repr(exc), base_s)
            latest_due = max(backoff_s(row["attempts"] + 1, base_s) for row in rows)
            raise LocalRelayDeferred(latest_due + 0.2) from exc
        await mark_delivered_many([row["id"] for row in rows])
        delivered += len(rows)
