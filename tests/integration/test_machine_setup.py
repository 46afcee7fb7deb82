"""The test command readies the machine itself (tests/machine.py), tried against throwaway
servers: a Debian PostgreSQL cluster and a redis-server of their own on free ports (the
shared ones are never stopped), and a PATH without Chromium, poppler or apt."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests import machine
from tests.browser import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_a_bare_machine_without_apt_stops_before_any_test_with_one_line(tmp_path):
    bare_bin = tmp_path / "bin"  # no chromium, no pdftotext, no apt-get
    bare_bin.mkdir()
    env = {**os.environ, "PATH": str(bare_bin)}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "tests/integration/test_tracking.py",  # tests/unit alone needs no set-up
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = (run.stdout + run.stderr).strip()
    assert run.returncode == 3, output
    lines = [line for line in output.splitlines() if "Debian packages" in line]
    assert len(lines) == 1, output
    assert "chromium, poppler-utils" in lines[0]
    assert "apt-get install -y chromium poppler-utils" in lines[0]
    assert "passed" not in output


def test_missing_packages_are_read_from_the_path(tmp_path):
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    assert machine.missing_packages(str(tmp_path), [fonts]) == [
        "chromium",
        "poppler-utils",
        "fonts-dejavu-core",
    ]
    for command in ("chromium", "pdftotext", "pdffonts", "pdftoppm"):
        (tmp_path / command).write_text("#!/bin/sh\n")
        (tmp_path / command).chmod(0o755)
    (fonts / "truetype").mkdir()
    (fonts / "truetype" / "DejaVuSans.ttf").write_bytes(b"\0")
    assert machine.missing_packages(str(tmp_path), [fonts]) == []
    assert not machine.may_install(str(tmp_path))  # no apt-get there


def test_redis_is_started_when_installed_but_not_running():
    port = free_port()
    assert not machine.reachable("127.0.0.1", port)
    said: list[str] = []
    machine.ensure_redis(f"redis://127.0.0.1:{port}/0", say=said.append)
    try:
        assert machine.reachable("127.0.0.1", port)
        assert said == [f"starting redis-server on 127.0.0.1:{port}"]
        machine.ensure_redis(f"redis://127.0.0.1:{port}/0", say=said.append)
        assert len(said) == 1  # running: nothing to do
    finally:
        subprocess.run(
            ["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True, check=False
        )


@pytest.fixture
def throwaway_cluster():
    """A Debian PostgreSQL cluster of this test's own on a free port, created down."""
    version = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    name = f"minsheng_t{uuid.uuid4().hex[:8]}"
    port = free_port()
    subprocess.run(
        ["pg_createcluster", version, name, "--port", str(port)], capture_output=True, check=True
    )
    try:
        yield version, name, port
    finally:
        subprocess.run(
            ["pg_dropcluster", "--stop", version, name], capture_output=True, check=False
        )


def test_postgres_is_started_when_its_cluster_is_down(throwaway_cluster):
    version, name, port = throwaway_cluster
    assert machine.postgres_cluster(port) == (version, name)
    assert not machine.reachable("127.0.0.1", port)
    said: list[str] = []
    machine.ensure_postgres(f"postgresql://postgres@127.0.0.1:{port}/postgres", say=said.append)
    assert machine.reachable("127.0.0.1", port)
    assert said == [f"starting PostgreSQL {version}/{name} on port {port}"]


def test_postgres_with_no_cluster_on_the_port_names_the_fix():
    port = free_port()
    with pytest.raises(machine.SetupFailed, match=r"apt-get install -y postgresql"):
        machine.ensure_postgres(f"postgresql://postgres@127.0.0.1:{port}/postgres")


def test_a_postgres_login_the_tests_cannot_use_names_the_fix():
    url = "postgresql://no_such_minsheng_user@127.0.0.1:5432/postgres"  # trust, unknown role
    with pytest.raises(machine.SetupFailed, match=r"refused the tests' login.*TEST_POSTGRES_URL"):
        machine.check_postgres_login(url)
    machine.check_postgres_login(
        os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
