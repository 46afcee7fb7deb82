"""Real Celery workers, beat and a private Redis as subprocesses (tests only)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

from tests.browser import free_port


class Proc:
    """A `minsheng worker|beat` subprocess whose output goes to a file."""

    def __init__(self, command: str, env: dict[str, str], *extra: str) -> None:
        self.command = command
        self.log = Path(tempfile.mkstemp(prefix=f"minsheng-{command}-", suffix=".log")[1])
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service", command, *extra],
            env={**os.environ, **env},
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"exited early:\n{self.output()}")
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no chance to finish or ack anything."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        output = self.output()
        # Shown by pytest only when the test fails: what the process said, whatever failed.
        print(f"--- `minsheng {self.command}` output ({self.log}) ---\n{output[-30_000:]}")
        return output


def worker(env: dict[str, str], *extra: str) -> Proc:
    proc = Proc("worker", env, "--without-gossip", "--without-mingle", *extra)
    try:
        proc.wait_for("ready")
    except BaseException:
        proc.stop()  # never leave a worker behind to steal another test's tasks
        raise
    return proc


class PrivateRedis:
    """A throwaway redis-server on a free port, so a test can take the broker down
    without touching the shared one."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=1).ping():
                    return self
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("private redis did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None
