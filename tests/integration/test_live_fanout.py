"""Live updates across processes: two web processes (uvicorn subprocesses) and a Celery
worker on one (throwaway) Redis. A pledge through A reaches an SSE client of B; a client
that drops its connection resumes with Last-Event-ID and misses nothing — also when Redis
lost its history, and across a Redis restart. Every live outbox row ends up delivered."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from dataclasses import dataclass, field

import httpx
import redis

from service.events.tables import Event
from service.live.tables import LiveEvent
from service.outbox.tables import OutboxMessage
from tests import factories
from tests.browser import free_port, service_process
from tests.workers import PrivateRedis, worker


@dataclass
class SseClient:
    """Reads one SSE stream in the background and keeps its `update` events."""

    url: str
    last_event_id: int | None = None
    updates: list[dict] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task | None = None

    async def _run(self) -> None:
        headers = {} if self.last_event_id is None else {"Last-Event-ID": str(self.last_event_id)}
        async with (
            httpx.AsyncClient(timeout=httpx.Timeout(60, connect=5)) as client,
            client.stream("GET", self.url, headers=headers) as response,
        ):
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            buffer = ""
            async for chunk in response.aiter_text():
                buffer += chunk
                while "\n\n" in buffer:
                    frame, buffer = buffer.split("\n\n", 1)
                    if frame.startswith("retry:"):
                        self.connected.set()
                    fields = dict(
                        line.split(": ", 1) for line in frame.splitlines() if ": " in line
                    )
                    if fields.get("event") == "update":
                        data = json.loads(fields["data"])
                        assert int(fields["id"]) == data["id"]
                        data["received_at"] = time.monotonic()
                        self.updates.append(data)

    async def start(self) -> SseClient:
        self.task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.connected.wait(), 20)
        return self

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def wait_for(self, count: int, within_s: float = 20) -> list[dict]:
        deadline = time.monotonic() + within_s
        while len(self.updates) < count:
            if self.task and self.task.done():
                self.task.result()
            assert time.monotonic() < deadline, (
                f"{self.url}: got {len(self.updates)} of {count} updates in {within_s:g} s:"
                f" {[(u['id'], u['prev']) for u in self.updates]}"
            )
            await asyncio.sleep(0.02)
        return self.updates


async def pledge(base: str, event: int, project: int, amount_fen: int) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{base}/api/v1/pledges",
            json={
                "event": event,
                "project_id": project,
                "amount_fen": amount_fen,
                "donor": {"kind": "individual", "display_name": "居民", "phone": "13912345678"},
            },
        )
    assert response.status_code == 201, response.text


async def undelivered_live_rows() -> int:
    return await OutboxMessage.count().where(
        OutboxMessage.topic.like("live.%") & OutboxMessage.delivered_at.is_null()
    )


async def wait_delivered(within_s: float = 30) -> None:
    deadline = time.monotonic() + within_s
    while await undelivered_live_rows():
        if time.monotonic() > deadline:
            rows = await OutboxMessage.select(
                OutboxMessage.topic,
                OutboxMessage.attempts,
                OutboxMessage.available_at,
                OutboxMessage.last_error,
            ).where(OutboxMessage.topic.like("live.%") & OutboxMessage.delivered_at.is_null())
            raise AssertionError(f"live outbox rows undelivered after {within_s:g} s: {rows}")
        await asyncio.sleep(0.1)


@contextlib.contextmanager
def web(redis_url: str):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "OUTBOX_KICK": "1",
        "OUTBOX_RETRY_BASE_S": "1",
        "BASE_URL": base,
    }
    with service_process(["serve", "--port", str(port)], base, env=env):
        yield base


async def test_a_pledge_through_one_process_reaches_a_client_of_the_other(clean_db):
    event = await factories.event(status=Event.Status.live)
    project = await factories.project(event.id, budget_fen=(50_000_000,))
    private = PrivateRedis().start()
    env = {"REDIS_URL": private.url, "OUTBOX_KICK": "1", "OUTBOX_RETRY_BASE_S": "1"}
    relay = worker(env, "--concurrency", "2")
    try:
        with web(private.url) as a, web(private.url) as b:
            stream_b = f"{b}/api/v1/events/{event.number}/live?after=0"
            client = await SseClient(stream_b).start()
            sent = time.monotonic()
            await pledge(a, event.number, project, 10_000)
            committed = time.monotonic()  # A answers once the pledge is committed
            (first,) = await client.wait_for(1)
            # The requirement: seen within a second of the commit. Measured from A's
            # answer, not from before the request: how long A takes to take a pledge on a
            # busy machine is not the fan-out's latency (it is reported alongside).
            lag = first["received_at"] - committed
            assert lag < 1.0, (
                f"B's client saw A's pledge {lag:.2f} s after A answered"
                f" (the request itself took {committed - sent:.2f} s)"
            )
            assert first["item"]["amount_fen"] == 10_000 and first["totals"]["pledged"] == 10_000
            last_id = first["id"]

            # The connection drops; three pledges happen meanwhile.
            await client.stop()
            for amount in (20_000, 30_000, 40_000):
                await pledge(a, event.number, project, amount)
            await wait_delivered()
            resumed = await SseClient(stream_b, last_event_id=last_id).start()
            missed = await resumed.wait_for(3)
            # Updates are numbered when recorded; the committing process and a worker may
            # record two rows committed milliseconds apart in either order, so the chain
            # (each update's `prev`), not the pledges' order, is what a client relies on.
            assert sorted(u["item"]["amount_fen"] for u in missed) == [20_000, 30_000, 40_000]
            assert [u["prev"] for u in missed] == [last_id] + [u["id"] for u in missed[:-1]]
            assert missed[-1]["totals"]["pledged"] == 100_000

            # Redis loses everything it had (a restart without persistence): the client
            # that asks for what it missed still gets all of it, from the database.
            redis.Redis.from_url(private.url).flushall()
            again = await SseClient(
                f"{a}/api/v1/events/{event.number}/live", last_event_id=last_id
            ).start()
            assert [u["id"] for u in await again.wait_for(3)] == [u["id"] for u in missed]
            await again.stop()

            # Redis goes down and comes back: a client that stayed connected to B misses
            # nothing that happened in between.
            private.stop()
            await pledge(a, event.number, project, 50_000)  # commits; bus and broker are down
            await asyncio.sleep(3)  # longer than the Redis client's own retries
            assert await undelivered_live_rows() == 1
            private.start()
            # No kick and no beat reach anyone now: web process A retries its live row
            # by itself once it is due again.
            await wait_delivered(within_s=60)  # its back-off grew while Redis was down
            await asyncio.sleep(1)  # the worker and both web processes reconnect
            await pledge(a, event.number, project, 60_000)
            after_outage = await resumed.wait_for(5, within_s=40)
            assert [u["item"]["amount_fen"] for u in after_outage[3:]] == [50_000, 60_000]
            assert after_outage[-1]["totals"]["pledged"] == 210_000
            await resumed.stop()
            await wait_delivered()
    finally:
        output = relay.stop()
        private.stop()
    assert await undelivered_live_rows() == 0, output
    assert await LiveEvent.count() == 6
