"""What the test run needs from the machine, set up before any test is collected.

`uv run pytest` on a fresh Debian machine: the Debian packages the tests drive (Chromium for
the browser tests, poppler for reading PDFs back) are installed with apt when missing and
the run may (root, apt-get present); PostgreSQL and Redis are started when installed but not
running. Whatever cannot be done stops the run before any test, with one line naming what is
missing and the command that fixes it — never minutes of failures.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Package:
    """A Debian package the tests need, and the commands that show it is installed."""

    name: str
    commands: tuple[str, ...]


PACKAGES = (
    Package("chromium", ("chromium",)),
    Package("poppler-utils", ("pdftotext", "pdffonts", "pdftoppm")),
)


class SetupFailed(RuntimeError):
    """The machine lacks something the tests need and it could not be set up here."""


def _which(command: str, path: str | None) -> str | None:
    return shutil.which(command, path=path)


FONT_PACKAGE = "fonts-dejavu-core"
"""Chromium cannot start with no font at all; any one will do (no CJK font is needed:
receipts embed theirs from a wheel, and the browser tests read the DOM, not glyphs)."""


FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path.home() / ".fonts",
)
FONT_SUFFIXES = {".ttf", ".ttc", ".otf", ".pfb", ".pcf", ".gz", ".woff", ".woff2"}


def has_a_font(dirs: Sequence[Path] = FONT_DIRS) -> bool:
    """Whether fontconfig's usual folders hold any font file at all."""
    for folder in dirs:
        if folder.is_dir() and any(
            f.suffix.lower() in FONT_SUFFIXES for f in folder.rglob("*") if f.is_file()
        ):
            return True
    return False


def missing_packages(path: str | None = None, font_dirs: Sequence[Path] = FONT_DIRS) -> list[str]:
    """The packages of PACKAGES with a command not on PATH (or on `path`), and a font
    package when there is no font at all."""
    missing = [p.name for p in PACKAGES if any(_which(c, path) is None for c in p.commands)]
    if not has_a_font(font_dirs):
        missing.append(FONT_PACKAGE)
    return missing


def may_install(path: str | None = None) -> bool:
    return os.geteuid() == 0 and _which("apt-get", path) is not None


def apt_install(packages: Sequence[str]) -> None:
    """`apt-get install` as root, quietly; raises SetupFailed with apt's last line."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
    ):
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
            raise SetupFailed(f"`{' '.join(argv)}` failed: {last[0]}")


def ensure_packages(path: str | None = None, say=print) -> None:
    missing = missing_packages(path)
    if not missing:
        return
    command = f"apt-get install -y {' '.join(missing)}"
    if not may_install(path):
        raise SetupFailed(
            f"the tests need the Debian packages {', '.join(missing)}: "
            f"install them with `sudo {command}` (as root the test run installs them itself)"
        )
    say(f"installing {', '.join(missing)} for the tests ({command})")
    apt_install(missing)
    still = missing_packages(path)
    if still:
        raise SetupFailed(f"{', '.join(still)} still missing after `{command}`")


def reachable(host: str, port: int, timeout: float = 2) -> bool:
    try:
        with socket.create_connection((host, port), timeout):
            return True
    except OSError:
        return False


def _wait(host: str, port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if reachable(host, port, 1):
            return True
        time.sleep(0.2)
    return False


def _endpoint(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def postgres_cluster(port: int) -> tuple[str, str] | None:
    """The Debian cluster (version, name) configured for `port`, from `pg_lsclusters`."""
    if _which("pg_lsclusters", None) is None:
        return None
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"],
        capture_output=True,
        text=True,
    ).stdout
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] == str(port):
            return fields[0], fields[1]
    return None


def ensure_postgres(url: str, say=print) -> None:
    """PostgreSQL answers at `url`'s host and port, starting its Debian cluster if need be."""
    host, port = _endpoint(url, 5432)
    if reachable(host, port):
        return
    cluster = postgres_cluster(port)
    if cluster is None:
        raise SetupFailed(
            f"PostgreSQL is not reachable at {host}:{port} and no cluster on this machine "
            f"listens there: install it (`apt-get install -y postgresql`) or set "
            f"TEST_POSTGRES_URL, or run `docker compose up -d postgres redis`"
        )
    version, name = cluster
    say(f"starting PostgreSQL {version}/{name} on port {port}")
    started = subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"],
        capture_output=True,
        text=True,
    )
    if not _wait(host, port, 60):
        detail = (started.stderr or started.stdout).strip().replace("\n", " ")
        raise SetupFailed(
            f"PostgreSQL {version}/{name} did not start on {host}:{port}: {detail or '?'} "
            f"(try `pg_ctlcluster {version} {name} start` by hand)"
        )


def ensure_redis(url: str, say=print) -> None:
    """Redis answers at `url`'s host and port, starting a memory-only server if need be."""
    host, port = _endpoint(url, 6379)
    if reachable(host, port):
        return
    if _which("redis-server", None) is None:
        raise SetupFailed(
            f"Redis is not reachable at {host}:{port} and redis-server is not installed: "
            f"`apt-get install -y redis-server`, or run `docker compose up -d postgres redis`"
        )
    say(f"starting redis-server on {host}:{port}")
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            host,
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        capture_output=True,
        check=False,
    )
    if not _wait(host, port, 30):
        raise SetupFailed(f"redis-server did not start on {host}:{port}")


def check_postgres_login(url: str) -> None:
    """The tests create a database per run: the URL's user must log in and create one."""
    import asyncio

    import asyncpg

    async def probe() -> bool:
        connection = await asyncpg.connect(url, timeout=10)
        try:
            return bool(
                await connection.fetchval(
                    "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
                )
            )
        finally:
            await connection.close()

    host, port = _endpoint(url, 5432)
    busy = (asyncpg.TooManyConnectionsError, asyncpg.CannotConnectNowError)
    for attempt in range(30):  # a shared server may be full or still starting for a moment
        try:
            may_create = asyncio.run(probe())
            break
        except busy as error:
            if attempt == 29:
                raise SetupFailed(
                    f"PostgreSQL at {host}:{port} takes no connection now ({error}): "
                    f"try again when it has room"
                ) from error
            time.sleep(1)
        except (OSError, asyncpg.PostgresError) as error:
            raise SetupFailed(
                f"PostgreSQL at {host}:{port} refused the tests' login "
                f"({type(error).__name__}: {error}): set TEST_POSTGRES_URL to a user that may "
                f"create databases, e.g. postgresql://postgres:PASSWORD@{host}:{port}/postgres"
            ) from error
    if not may_create:
        raise SetupFailed(
            f"the PostgreSQL user of {urlsplit(url).username or 'TEST_POSTGRES_URL'} may not "
            f"create databases: `ALTER ROLE … CREATEDB`, or set TEST_POSTGRES_URL to one who may"
        )


def prepare(postgres_url: str, redis_url: str, say=print) -> None:
    """Everything above, in the order a fresh machine needs it."""
    ensure_packages(say=say)
    ensure_postgres(postgres_url, say=say)
    check_postgres_login(postgres_url)
    ensure_redis(redis_url, say=say)
