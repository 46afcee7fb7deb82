"""Two `minsheng beat` processes (two machines) on one Redis: each periodic task is sent
once per period, not once per beat; when the active beat dies the standby takes over."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
import redis

from tests.workers import PrivateRedis, Proc

PERIOD_S = 2
SENDS = 6
"""Sends timed in each phase: one beat takes at least (SENDS - 1) periods for them, two
beats sending each period would take about half that."""
SLACK_S = 0.5


@pytest.fixture
def private_redis():
    server = PrivateRedis().start()
    yield server
    server.stop()


def relay_count(url: str) -> int:
    """Outbox relay tasks waiting in the broker queue (no worker runs to take them)."""
    client = redis.Redis.from_url(url)
    return sum(
        json.loads(raw)["headers"]["task"] == "tasks.outbox.relay"
        for raw in client.lrange("celery", 0, -1)
    )


async def time_for_sends(url: str, beats: list[Proc]) -> float:
    """Seconds from now until SENDS more relay tasks are queued. Measuring the time for a
    number of sends, not the sends in a fixed time, keeps a starved beat from failing the
    lower bound while two beats sending would still show as twice the pace."""
    target = relay_count(url) + SENDS
    started = time.monotonic()
    deadline = started + 60 + SENDS * PERIOD_S
    while relay_count(url) < target:
        assert time.monotonic() < deadline, [b.output() for b in beats]
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def test_two_beats_send_each_periodic_task_once_per_period(private_redis):
    env = {
        "REDIS_URL": private_redis.url,
        "OUTBOX_RELAY_EVERY_S": str(PERIOD_S),
        "BEAT_KEY_PREFIX": f"test-beat-{uuid.uuid4().hex[:8]}",
        "BEAT_LOCK_TIMEOUT_S": "10",
    }
    beats = [Proc("beat", env), Proc("beat", env)]
    try:
        for beat in beats:
            await asyncio.to_thread(beat.wait_for, "beat: Starting")
        # One of them holds the lock and sends; wait for its first relay, then measure.
        deadline = time.monotonic() + 60
        while relay_count(private_redis.url) == 0:
            assert time.monotonic() < deadline, beats[0].output() + beats[1].output()
            await asyncio.sleep(0.2)
        took = await time_for_sends(private_redis.url, beats)
        senders = [b for b in beats if "Sending due task outbox-relay" in b.output()]
        assert len(senders) == 1, [b.output() for b in beats]
        # Once per period, not twice: a busy machine only makes the sends slower.
        assert took >= (SENDS - 1) * PERIOD_S - SLACK_S, took

        # The active beat dies without releasing its lock; the standby takes over once the
        # lock expires, and the schedule goes on at the same pace.
        active = senders[0]
        standby = beats[1 - beats.index(active)]
        active.kill()
        deadline = time.monotonic() + 60
        while "Sending due task outbox-relay" not in standby.output():
            assert time.monotonic() < deadline, standby.output()
            await asyncio.sleep(0.5)
        assert "beat: Acquired lock" in standby.output()
        took = await time_for_sends(private_redis.url, [standby])
        assert took >= (SENDS - 1) * PERIOD_S - SLACK_S, took
    finally:
        for beat in beats:
            beat.stop()
