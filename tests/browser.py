"""The browser tests' harness: Debian's Chromium with its flags, a free loopback port, and
the application served in its own process until /healthz answers (tests only).

Chromium is a required test dependency (tests/machine.py installs it before the run, or
stops the run naming it): the browser tests never skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.async_api import Browser, Playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# No --user-data-dir: playwright gives every launch a fresh temporary profile.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def launch(playwright: Playwright) -> Browser:
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)


@contextmanager
def service_process(
    args: Sequence[str],
    base: str,
    *,
    env: Mapping[str, str],
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = 120,
) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m service <args>` until GET {base}/healthz is 200, then the process;
    terminated (killed after 30 s) on exit. The test fails, with the process's output,
    if it exits or does not answer within `timeout` seconds."""
    command = f"`service {' '.join(args)}`"
    with tempfile.NamedTemporaryFile(prefix="minsheng-app-", suffix=".log") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "service", *args],
            cwd=cwd,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

        def output() -> str:
            return Path(log.name).read_text(errors="replace")

        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    pytest.fail(f"{command} exited with {process.returncode}:\n{output()}")
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"{command} did not answer /healthz in {timeout:g} s:\n{output()}")
                time.sleep(0.2)
            process.output = output  # type: ignore[attr-defined]  # what it printed so far
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            # Shown by pytest only when the test fails: what the server said meanwhile.
            print(f"--- {command} output ---\n{output()[-30_000:]}")


@contextmanager
def app_server(*, cwd: str | Path | None = None, **env: str) -> Iterator[str]:
    """`python -m service serve` on a free port, BASE_URL pointing at it and `env` on top of
    this process's environment; yields the base URL once /healthz answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with service_process(
        ["serve", "--port", str(port)], base, env={**os.environ, "BASE_URL": base, **env}, cwd=cwd
    ):
        yield base
