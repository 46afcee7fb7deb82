"""The embedded default: concurrent idempotent pledges on SQLite, through a
real `minsheng demo` process (BEGIN IMMEDIATE instead of row locks)."""

import asyncio
import os

import httpx

from tests.browser import free_port, service_process


def test_concurrent_idempotent_pledges_on_sqlite(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MINSHENG_DATA_DIR"}}
    with service_process(["demo", "--port", str(port)], base, env=env, cwd=tmp_path, timeout=180):
        events = httpx.get(f"{base}/api/v1/events", timeout=30).json()
        open_event = next(e for e in events if e["status"] in ("pledging", "live"))
        url = f"{base}/api/v1/events/{open_event['number']}/projects"
        projects = httpx.get(url, timeout=30).json()
        project = next(
            p for p in projects if p["totals"]["target"] - p["totals"]["pledged"] > 100_000
        )
        before = project["totals"]["pledged"]

        async def run() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=base, timeout=60) as client:

                async def send(n: int) -> httpx.Response:
                    return await client.post(
                        "/api/v1/pledges",
                        json={
                            "event": open_event["number"],
                            "project_id": project["id"],
                            "amount_fen": 1_000 + n % 5,
                            "donor": {
                                "kind": "individual",
                                "display_name": f"S{n % 5}",
                                "phone": "13800000000",
                            },
                        },
                        headers={"Idempotency-Key": f"sqlite-key-{n % 5}"},
                    )

                return await asyncio.gather(*(send(n) for n in range(20)))

        responses = asyncio.run(run())
        assert sorted({r.status_code for r in responses}) == [200, 201]
        assert sum(r.status_code == 201 for r in responses) == 5
        after = httpx.get(f"{base}/api/v1/projects/{project['id']}", timeout=30).json()
        assert after["totals"]["pledged"] - before == sum(1_000 + k for k in range(5))
