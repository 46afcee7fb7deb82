"""`minsheng demo` on a fresh folder: migrates the SQLite default, loads the demo and
serves the home page — exactly what a new user runs."""

import os
import re
import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_command_serves_the_fifth_edition_on_sqlite(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MINSHENG_DATA_DIR"}}
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, process.stdout.read()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "demo did not start within 90 s"
            time.sleep(0.3)
        home = httpx.get(f"http://127.0.0.1:{port}/", headers={"accept": "text/html"})
        assert home.status_code == 200
        assert len(re.findall(r'data-project-id="\d+"', home.text)) == 23
        assert "¥2,031,580.00" in home.text
        assert (tmp_path / "minsheng.sqlite3").exists()
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz")
        assert ready.json()["checks"]["database"] == "ok"
    finally:
        process.terminate()
        process.wait(timeout=20)
