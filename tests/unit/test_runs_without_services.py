"""Pure unit tests run without PostgreSQL and Redis; a test that needs them stops the run
at once with one line saying how to start them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOWHERE = {
    "TEST_POSTGRES_URL": "postgresql://postgres@127.0.0.1:9/postgres",
    "TEST_REDIS_URL": "redis://127.0.0.1:9/15",
}


def _pytest(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        env={**os.environ, **NOWHERE},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_unit_tests_pass_with_postgres_and_redis_unreachable():
    result = _pytest("tests/unit/test_money.py", "tests/unit/test_pledge_money_rules.py")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_a_test_that_needs_postgres_stops_the_run_with_one_line():
    result = _pytest("tests/integration/test_tracking.py")
    assert result.returncode == 3
    assert "PostgreSQL is not reachable at" in result.stdout + result.stderr
