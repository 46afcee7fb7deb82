"""Command-line behaviour a new user and CI depend on."""

import os
import subprocess
import sys
from pathlib import Path

from service.auth.tables import StaffUser

ROOT = Path(__file__).resolve().parents[2]


def minsheng(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_create_user_from_the_command_line(clean_db):
    result = minsheng(
        "create-user",
        "--username",
        "Auditor1",
        "--role",
        "auditor",
        "--password",
        "a long enough password",
    )
    assert result.returncode == 0, result.stderr
    row = await StaffUser.select().where(StaffUser.username == "auditor1").first()
    assert row["role"] == "auditor"
    assert row["password_hash"].startswith("$argon2")

    again = minsheng(
        "create-user",
        "--username",
        "auditor1",
        "--role",
        "auditor",
        "--password",
        "a long enough password",
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr

    short = minsheng(
        "create-user", "--username", "x2y", "--role", "organizer", "--password", "short"
    )
    assert short.returncode == 1 and "password" in short.stderr


def test_test_run_stops_at_once_when_postgres_is_down(tmp_path):
    """With PostgreSQL unreachable, a run of tests that need it stops with one line saying how
    to get it (pure unit tests run without it)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/integration/test_cli.py",
        ],
        cwd=ROOT,
        env={**os.environ, "TEST_POSTGRES_URL": "postgresql://postgres@127.0.0.1:1/postgres"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "PostgreSQL" in line]
    assert len(lines) == 1
    assert "docker compose up -d postgres" in lines[0]
