"""What the running server refuses to do: run several workers on per-process sessions in
production, or write donor-link tokens to its logs."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from service.donors.links import make_token
from service.donors.services import create_donor
from tests import factories
from tests.browser import free_port

PRODUCTION = {
    "MINSHENG_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "MAIL_TRANSPORT": "file",  # production needs a mail transport chosen on purpose
}


def test_production_refuses_several_workers_without_redis(clean_db):
    env = {**os.environ, **PRODUCTION}
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "service", "serve", "--workers", "2", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert any("REDIS_URL" in line for line in lines), result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
async def donor_token(clean_db) -> str:
    return make_token(await create_donor(factories.donor_draft()), 1)


def test_donor_tokens_never_reach_the_access_log(donor_token, tmp_path):
    token = donor_token
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port)],
            env={**os.environ, "LOG_LEVEL": "INFO"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            with httpx.Client(base_url=base, timeout=30) as client:
                assert client.get(f"/donor/{token}").status_code == 200
                client.get(f"/donor/{token}?confirm=secretcode")
                client.get(f"/donor/{token}x")  # an invalid one, 404
            time.sleep(0.5)
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = log.read_text()
    assert "/donor/[redacted]" in text, text[-2000:]
    assert token not in text and token.split(".")[0] not in text
    assert "secretcode" not in text
