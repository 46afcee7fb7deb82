"""`minsheng worker` and `minsheng beat` run a real Celery worker and beat on Redis."""

import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
from celery import Celery

from service.outbox.services import enqueue
from service.outbox.tables import OutboxMessage
from tasks import outbox


@pytest.fixture
def worker_redis(redis_url):
    url = redis_url.rsplit("/", 1)[0] + "/14"
    return url


def start(command: str, redis_url: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "service", command, *extra],
        env={**os.environ, "REDIS_URL": redis_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


async def test_worker_runs_the_outbox_relay(clean_db, worker_redis, monkeypatch):
    delivered: list[dict] = []
    await enqueue("test.topic", {"n": 1}, dedupe_key="t1")

    # A queue of its own: other test runs on this machine may share the Redis database.
    queue = f"test-{uuid.uuid4().hex}"
    worker = start("worker", worker_redis, "--concurrency", "1", "--pool", "solo", "-Q", queue)
    try:
        client = Celery(broker=worker_redis, backend=worker_redis)
        result = client.send_task("tasks.outbox.relay", queue=queue)
        # No handler is registered for test.topic in the worker: it stays pending.
        assert result.get(timeout=60) == 0
    finally:
        output = stop(worker)
    assert "ready" in output.lower(), output
    row = await OutboxMessage.select().where(OutboxMessage.dedupe_key == "t1").first()
    assert row["delivered_at"] is None

    async def handler(payload: dict) -> None:
        delivered.append(payload)

    monkeypatch.setitem(outbox.HANDLERS, "test.topic", handler)
    assert await outbox.relay_once() == 1
    assert delivered == [{"n": 1}]
    assert await outbox.relay_once() == 0  # delivered once, never again


def test_beat_starts_and_schedules_the_relay(worker_redis, tmp_path):
    beat = start("beat", worker_redis)
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(beat.stdout), daemon=True)
    reader.start()
    try:  # wait for beat's own start line (start-up is slow on a busy machine)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("beat: Starting" in x for x in seen):
            assert beat.poll() is None, "beat exited early:\n" + "".join(seen)
            time.sleep(0.2)
        time.sleep(1)
        assert beat.poll() is None, "beat exited early:\n" + "".join(seen)
    finally:
        beat.terminate()
        beat.wait(30)
        reader.join(5)
    assert any("beat: Starting" in line for line in seen), "".join(seen)


def test_worker_refuses_to_start_without_redis():
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "service", "worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr
