"""`minsheng demo` on a fresh folder: migrates the SQLite default, loads the demo and
serves the home page — exactly what a new user runs."""

import os
import re

import httpx

from tests.browser import free_port, service_process


def test_demo_command_serves_the_fifth_edition_on_sqlite(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MINSHENG_DATA_DIR"}}
    with service_process(["demo", "--port", str(port)], base, env=env, cwd=tmp_path, timeout=90):
        home = httpx.get(f"{base}/", headers={"accept": "text/html"})
        assert home.status_code == 200
        assert len(re.findall(r'data-project-id="\d+"', home.text)) == 23
        assert "¥2,031,580.00" in home.text
        assert (tmp_path / "minsheng.sqlite3").exists()
        ready = httpx.get(f"{base}/readyz")
        assert ready.json()["checks"]["database"] == "ok"
