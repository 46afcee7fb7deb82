"""Metrics, request ids and JSON logs: a scrape after a pledge (in process and from a real
two-process `minsheng serve`), /metrics closed in production, request ids in headers, error
answers and every access-log line, Celery task outcomes from a real prefork worker."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from celery import Celery
from prometheus_client.parser import text_string_to_metric_families

from service.ledger.checks import run_ledger_check
from service.ops import controllers as metrics_controllers
from service.settings import get_settings
from tests import factories, staff
from tests.browser import free_port
from tests.pledge_helpers import pledge_body
from tests.workers import PrivateRedis, worker


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, ls), v in found.items() if n == name and wanted <= ls)


async def test_a_scrape_after_a_pledge_counts_it_everywhere(client):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    before = samples((await client.get("/metrics")).text)
    response = await client.post("/api/v1/pledges", json=pledge_body(event.number, project, 5_000))
    assert response.status_code == 201, response.text
    check = await run_ledger_check()
    assert check.ok, check.findings
    scrape = await client.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    after = samples(scrape.text)
    route = {"path": "/api/v1/pledges", "method": "POST", "status_code": "201"}
    assert (
        value(after, "minsheng_requests_total", **route)
        - value(before, "minsheng_requests_total", **route)
        == 1
    )
    assert value(after, "minsheng_pledges", channel="online", status="pledged") == 1
    assert value(after, "minsheng_pledged_fen", channel="online") == 5_000
    assert value(after, "minsheng_outbox_backlog", topic="mail.send") == 1
    assert value(after, "minsheng_outbox_oldest_undelivered_age_seconds", topic="mail.send") >= 0
    assert value(after, "minsheng_ledger_check_ok") == 1
    assert value(after, "minsheng_receipts") == 0
    assert value(after, "minsheng_alerts_open", kind="ledger_check") == 0
    # Paid by bank transfer: a payment by channel, then a receipt once the relay ran.
    pledge_id = await factories.pledge(event.number, project, 7_000)
    await factories.bank_payment(pledge_id, 7_000)
    from tasks import outbox

    await outbox.relay_once()
    after = samples((await client.get("/metrics")).text)
    assert value(after, "minsheng_payments", channel="bank", status="succeeded") == 1
    assert value(after, "minsheng_payments_fen", channel="bank") == 7_000
    assert value(after, "minsheng_receipts", status="issued") == 1


async def test_metrics_are_closed_in_production(client, monkeypatch):
    production = dataclasses.replace(
        get_settings(),
        env="production",
        ops=dataclasses.replace(get_settings().ops, metrics_token="t" * 24),
    )
    monkeypatch.setattr(metrics_controllers, "get_settings", lambda: production)
    assert (await client.get("/metrics")).status_code == 401
    wrong = await client.get("/metrics", headers={"authorization": "Bearer " + "x" * 24})
    assert wrong.status_code == 401
    assert wrong.json()["request_id"] == wrong.headers["x-request-id"]
    right = await client.get("/metrics", headers={"authorization": "Bearer " + "t" * 24})
    assert right.status_code == 200 and "minsheng_pledges" in right.text
    owner = await staff.make("project_owner", await factories.organization())
    assert (await client.get("/metrics", headers=owner.headers)).status_code == 403
    auditor = await staff.make("auditor")
    assert (await client.get("/metrics", headers=auditor.headers)).status_code == 200


async def test_every_answer_names_its_request_id(client):
    fresh = await client.get("/healthz")
    assert len(fresh.headers["x-request-id"]) == 32
    kept = await client.get("/healthz", headers={"x-request-id": "lb-1234567890"})
    assert kept.headers["x-request-id"] == "lb-1234567890"
    junk = await client.get("/healthz", headers={"x-request-id": "<script>"})
    assert junk.headers["x-request-id"] != "<script>"
    missing = await client.get("/api/v1/projects/999999")
    assert missing.status_code == 404
    assert missing.json()["request_id"] == missing.headers["x-request-id"]
    unknown = await client.get("/no/such/page", headers={"accept": "text/html"})
    assert unknown.status_code == 404
    assert unknown.headers["x-request-id"] in unknown.text


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, str]:
    response = httpx.get(url, headers=headers or {}, timeout=10)
    return response.status_code, dict(response.headers), response.text


def start_server(port: int, env: dict[str, str], log_file: Path) -> subprocess.Popen:
    with log_file.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def test_two_server_processes_report_one_sum_and_log_json_with_request_ids(
    clean_db, tmp_path
):
    port = free_port()
    log_file = tmp_path / "serve.log"
    env = {
        **os.environ,
        "LOG_JSON": "1",
        "MINSHENG_DATA_DIR": str(tmp_path / "data"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    server = start_server(port, env, log_file)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if (await asyncio.to_thread(_get, f"{base}/healthz"))[0] == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log_file.read_text()
            await asyncio.sleep(0.3)
        ids = []
        for n in range(20):
            status, headers, _ = await asyncio.to_thread(
                _get, f"{base}/api/v1/events", {"x-request-id": f"probe-{n:04d}-abcdef"}
            )
            assert status == 200
            ids.append(headers["x-request-id"])
        assert ids == [f"probe-{n:04d}-abcdef" for n in range(20)]
        # Whichever process answers the scrape, it reports both processes' requests.
        for _ in range(3):
            _, _, text = await asyncio.to_thread(_get, f"{base}/metrics")
            found = samples(text)
            assert value(found, "minsheng_requests_total", path="/api/v1/events") == 20
        # The counts live in per-process files that every scrape sums.
        assert list((tmp_path / "metrics").glob("counter_*.db"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = [line for line in log_file.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON
    access = [r for r in records if r.get("logger") == "uvicorn.access"]
    assert {r["request_id"] for r in access if r["path"] == "/api/v1/events"} == set(ids)
    assert all(r["status"] == 200 for r in access if r["path"] == "/api/v1/events")


@pytest.fixture
def private_redis():
    server = PrivateRedis().start()
    yield server
    server.stop()


async def test_celery_task_outcomes_from_a_prefork_worker(clean_db, private_redis):
    port = free_port()
    metrics_dir = Path(tempfile.mkdtemp(prefix="minsheng-worker-metrics-"))
    proc = worker(
        {
            "REDIS_URL": private_redis.url,
            "WORKER_METRICS_PORT": str(port),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "LOG_JSON": "1",
            "OUTBOX_KICK": "0",
        },
        "--pool",
        "prefork",
        "--concurrency",
        "2",
    )
    client = Celery(broker=private_redis.url, backend=private_redis.url)
    try:
        results = [client.send_task("tasks.ledger.check") for _ in range(3)]
        for result in results:
            assert (await asyncio.to_thread(result.get, timeout=60))["ok"] is True
        failing = client.send_task("tasks.receipts.issue", ["not-a-uuid"])
        with pytest.raises(ValueError):
            await asyncio.to_thread(failing.get, timeout=60)
        # Celery stores a task's result before it sends task_success/task_failure, which
        # count it: scrape until all four outcomes are in (a fixed wait races a busy CPU).
        deadline = time.monotonic() + 30
        while True:
            _, _, text = await asyncio.to_thread(_get, f"http://127.0.0.1:{port}/metrics")
            counted = value(samples(text), "minsheng_celery_tasks_total")
            if counted >= 4 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
    finally:
        output = proc.stop()
    found = samples(text)
    assert value(found, "minsheng_celery_tasks_total", task="tasks.ledger.check") == 3, text
    assert (
        value(found, "minsheng_celery_tasks_total", task="tasks.ledger.check", outcome="succeeded")
        == 3
    )
    assert (
        value(found, "minsheng_celery_tasks_total", task="tasks.receipts.issue", outcome="failed")
        == 1
    )
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    task_lines = [r for r in records if r.get("task_id")]
    assert task_lines, output
    assert all(r["request_id"] == r["task_id"] for r in task_lines)
    assert {r["task_id"] for r in task_lines} >= {failing.id}
