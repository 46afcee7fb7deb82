"""`minsheng doctor` through the real command line against a healthy deployment (migrated
PostgreSQL, a private Redis with a worker, TLS SMTP with a login, a writable folder) and a
broken one (every check that can be broken on loopback is)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import asyncpg
import pytest

from tests.browser import free_port
from tests.conftest import ADMIN_DSN, _database_url
from tests.tls_smtp import TlsMailServer, self_signed_certificate
from tests.workers import PrivateRedis, worker

STRONG_KEY = "Vq3x9-Lr_Zt7pQe2Wm8Yk4Hs6Nd1Bf5Jc0Ug3Xa7Ro9"


def doctor(env: dict[str, str], cwd) -> tuple[int, dict[str, str], str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "STRIPE_"))}
    result = subprocess.run(
        [sys.executable, "-m", "service", "doctor"],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
    )
    lines = {}
    for line in result.stdout.splitlines():
        if line.startswith(("ok ", "FAIL ")):
            _status, rest = line.split(" ", 1)
            name = rest.strip()[:18].strip()
            lines[name] = line
    return result.returncode, lines, result.stdout + result.stderr


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("doctor-tls"))


@pytest.fixture
def mail_server(certificate):
    server = TlsMailServer(*certificate, "starttls").start()
    yield server
    server.stop()


@pytest.fixture
def private_redis():
    server = PrivateRedis().start()
    yield server
    server.stop()


async def test_a_healthy_deployment_passes_every_check(
    database, private_redis, mail_server, certificate, tmp_path
):
    env = {
        "MINSHENG_ENV": "test",
        "DATABASE_URL": database,
        "REDIS_URL": private_redis.url,
        "SMTP_URL": mail_server.url(),
        "SMTP_CA_FILE": str(certificate[0]),
        "MINSHENG_DATA_DIR": str(tmp_path / "data"),
        "STRIPE_SECRET_KEY": "sk_test_" + "a1B2c3D4" * 3,
        "STRIPE_WEBHOOK_SECRET": "whsec_" + "x9Y8" * 6,
        "SECRET_KEY": STRONG_KEY,
    }
    proc = worker({"REDIS_URL": private_redis.url}, "--pool", "solo")
    try:
        code, lines, output = doctor(env, tmp_path)
    finally:
        proc.stop()
    assert code == 0, output
    assert len(lines) == 11 and all(line.startswith("ok ") for line in lines.values()), output
    assert "all 11 checks passed" in output
    assert "logged in as mailer" in lines["smtp"] and "TLS" in lines["smtp"]
    assert "1 worker(s) answer" in lines["broker"]
    assert "noeviction" in lines["redis"]
    assert "test mode key" in lines["stripe"]
    assert "2 web × 10 + 2 worker × 2 + 3 spare = 27" in lines["connection budget"]
    assert mail_server.messages == []  # the login check sends nothing


async def test_a_broken_deployment_fails_with_a_fix_per_check(
    database, mail_server, certificate, tmp_path
):
    empty = f"minsheng_doctor_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{empty}"')
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the storage folder should be")
    try:
        env = {
            "MINSHENG_ENV": "production",
            "DATABASE_URL": _database_url(empty),
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
            "SMTP_URL": mail_server.url(password="wrong"),
            "SMTP_CA_FILE": str(certificate[0]),
            "MINSHENG_DATA_DIR": str(tmp_path / "data"),
            "STORAGE_URL": str(blocker / "files"),
            "STRIPE_SECRET_KEY": "sk_test_" + "a1B2c3D4" * 3,
            "SECRET_KEY": "a" * 40,
            "WEB_PROCESSES": "8",
            "DB_POOL_MAX": "20",
        }
        code, lines, output = doctor(env, tmp_path)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)')
        await admin.close()
    assert code == 1, output
    assert len(lines) == 11, output
    expected_failures = {
        "migrations": "run `minsheng migrate`",
        "redis": "check REDIS_URL",
        "broker": "check REDIS_URL",
        "smtp": "fix SMTP_URL",
        "storage": "check STORAGE_URL",
        "stripe": "set STRIPE_SECRET_KEY to the sk_live_",
        "secret key": "secrets.token_urlsafe(48)",
        "connection budget": "lower DB_POOL_MAX",
    }
    for name, fix in expected_failures.items():
        assert lines[name].startswith("FAIL "), output
        assert fix in lines[name].split(" — fix: ", 1)[1], lines[name]
    assert "refused the login" in lines["smtp"]
    assert "8 web × 20" in lines["connection budget"]
    assert lines["database"].startswith("ok ") and lines["time zone"].startswith("ok ")
    assert lines["receipt font"].startswith("ok ")  # a wheel: nothing to break on a machine
    assert f"{len(expected_failures)} of 11 checks failed" in output


def test_an_unreachable_database_is_named_with_its_fix(tmp_path):
    env = {
        "MINSHENG_ENV": "test",
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere",
        "MINSHENG_DATA_DIR": str(tmp_path / "data"),
        "SECRET_KEY": STRONG_KEY,
    }
    code, lines, output = doctor(env, tmp_path)
    assert code == 1
    for name in ("database", "migrations", "time zone", "connection budget"):
        assert lines[name].startswith("FAIL ") and "cannot connect" in lines[name], output
        assert lines[name].split(" — fix: ", 1)[1].startswith("check DATABASE_URL")
    assert lines["storage"].startswith("ok ") and lines["secret key"].startswith("ok ")
