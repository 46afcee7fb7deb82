"""PostgreSQL going away: 503 (a page for pages, the error shape for the API), readiness
says so, and the service recovers by itself when the database returns; started against a
port where nothing listens, `minsheng serve` says so in one line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.browser import app_server, free_port
from tests.faults import TcpProxy


def through(database_url: str, port: int) -> str:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(netloc=f"{parts.username or 'postgres'}@127.0.0.1:{port}"))


@pytest.fixture
def proxy(clean_db):
    proxy = TcpProxy(urlsplit(clean_db).port or 5432).start()
    yield proxy
    proxy.stop()


def wait_for(url: str, status: int, **kwargs) -> httpx.Response:
    deadline = time.monotonic() + 60  # a busy machine
    while True:
        response = httpx.get(url, timeout=10, **kwargs)
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.3)


def test_database_outage_is_503_and_the_service_recovers(clean_db, proxy):
    with app_server(DATABASE_URL=through(clean_db, proxy.port)) as base:
        assert httpx.get(f"{base}/api/v1/events", timeout=10).status_code == 200
        assert httpx.get(f"{base}/", headers={"accept": "text/html"}, timeout=10).status_code == 200

        proxy.cut()
        api = wait_for(f"{base}/api/v1/events", 503)
        assert api.status_code == 503
        assert api.headers["content-type"].startswith("application/json")
        assert api.json()["errors"][0]["field"] == "database"
        assert int(api.headers["retry-after"]) > 0
        page = httpx.get(f"{base}/", headers={"accept": "text/html"}, timeout=10)
        assert page.status_code == 503
        assert page.headers["content-type"].startswith("text/html")
        assert "数据库暂时无法连接" in page.text
        ready = httpx.get(f"{base}/readyz", timeout=10)
        assert ready.status_code == 503 and "database" in ready.json()["detail"]

        proxy.restore()
        assert wait_for(f"{base}/api/v1/events", 200).status_code == 200
        assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200


def test_serve_against_a_wrong_port_says_so_in_one_line(clean_db):
    wrong = through(clean_db, free_port())
    result = subprocess.run(
        [sys.executable, "-m", "service", "serve", "--port", str(free_port())],
        env={**os.environ, "DATABASE_URL": wrong},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "cannot reach the database" in lines[0] and "Traceback" not in result.stderr


def test_commands_against_a_wrong_port_say_so_in_one_line(clean_db):
    wrong = through(clean_db, free_port())
    result = subprocess.run(
        [sys.executable, "-m", "service", "ledger", "verify"],
        env={**os.environ, "DATABASE_URL": wrong},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach the database" in lines[0], result.stderr
