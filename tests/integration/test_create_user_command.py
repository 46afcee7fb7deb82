"""`minsheng create-user` through the real command line, on a fresh SQLite file."""

import os
import subprocess
import sys

import pytest

PASSWORD = "correct horse battery"


def cli(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MINSHENG_DATA_DIR": str(tmp_path),
        "MINSHENG_NEW_PASSWORD": PASSWORD,
    }
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def migrated(tmp_path):
    assert cli(tmp_path, "migrate").returncode == 0
    return tmp_path


def test_roles_organizations_and_admin_logins(migrated):
    import sqlite3

    db = sqlite3.connect(migrated / "db.sqlite3")
    db.execute(
        "INSERT INTO organization (name, kind, contact, created_at)"
        " VALUES ('徐家埠社区', 'community', '', CURRENT_TIMESTAMP)"
    )
    db.commit()
    owner = cli(
        migrated,
        "create-user",
        "--username",
        "xujiabu",
        "--role",
        "project_owner",
        "--organization",
        "徐家埠社区",
    )
    assert owner.returncode == 0, owner.stderr
    orphan = cli(migrated, "create-user", "--username", "nobody", "--role", "project_owner")
    assert orphan.returncode != 0
    assert "organization" in orphan.stderr
    unknown = cli(
        migrated,
        "create-user",
        "--username",
        "x2",
        "--role",
        "project_owner",
        "--organization",
        "no such place",
    )
    assert unknown.returncode != 0
    chief = cli(migrated, "create-user", "--username", "chief", "--role", "organizer", "--admin")
    assert chief.returncode == 0, chief.stderr
    no_admin = cli(migrated, "create-user", "--username", "aud", "--role", "auditor", "--admin")
    assert no_admin.returncode != 0
    rows = dict(db.execute("SELECT username, role FROM staff_user").fetchall())
    assert rows == {"xujiabu": "project_owner", "chief": "organizer"}
    assert "/console/staff" in chief.stdout  # Piccolo Admin's separate login is gone
    hashes = [r[0] for r in db.execute("SELECT password_hash FROM staff_user")]
    assert all(h.startswith("$argon2id$") for h in hashes)
