"""Test set-up: real PostgreSQL and Redis, a fresh database per test session.

Before anything is collected, tests/machine.py readies the machine (Debian packages the
tests drive, PostgreSQL and Redis started if installed but down); what it cannot do stops
the run at once with one line naming what is missing and how to install it. A run of
tests/unit alone needs none of it and leaves the machine alone.
DATABASE_URL for the application is pointed at the session's own database before any
service module reads its settings.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import signal
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ADMIN_DSN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEST_DB = f"minsheng_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"


def _database_url(name: str) -> str:
    parts = urlsplit(ADMIN_DSN)
    return urlunsplit(parts._replace(path=f"/{name}"))


def pytest_configure(config: pytest.Config) -> None:
    if not _only_unit_tests(config):
        _prepare_machine(config)
    os.environ["DATABASE_URL"] = _database_url(TEST_DB)
    os.environ["MINSHENG_ENV"] = "test"
    os.environ["MINSHENG_DATA_DIR"] = tempfile.mkdtemp(prefix="minsheng-test-")
    os.environ.pop("REDIS_URL", None)
    # Outbox rows stay pending until a test relays them (tests that want the in-process
    # kick after commit switch it on themselves).
    os.environ["OUTBOX_KICK"] = "0"
    # Tests make many pledges from one address; the limits' own tests build an app with
    # the production defaults (tests/integration/test_pledge_abuse.py).
    for name in ("LIMIT_PLEDGES", "LIMIT_PLEDGES_PER_CONTACT", "LIMIT_MAILS_PER_ADDRESS"):
        os.environ[name] = "100000/minute"
    # Apps served by tests run no in-process beat unless a test asks for it.
    os.environ["EMBEDDED_BEAT"] = "0"
    os.environ.setdefault("PICCOLO_CONF", "service.piccolo_conf")


TESTS_DIR = Path(__file__).resolve().parent
UNIT_DIR = TESTS_DIR / "unit"


def _only_unit_tests(config: pytest.Config) -> bool:
    """True when every path on the command line lies in tests/unit: pure unit tests need
    no database, Redis or browser, so the machine is left alone."""
    if not config.args:
        return False
    base = Path(config.invocation_params.dir)
    for arg in config.args:
        path = (base / arg.split("::", 1)[0]).resolve()
        if not path.exists() or not path.is_relative_to(UNIT_DIR):
            return False
    return True


def _prepare_machine(config: pytest.Config) -> None:
    """Ready the machine (tests/machine.py) or stop at once with one line."""
    from tests.machine import SetupFailed, prepare

    def say(line: str) -> None:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(line)
        else:
            sys.stderr.write(line + "\n")

    try:
        prepare(ADMIN_DSN, REDIS_URL, say=say)
    except SetupFailed as error:
        pytest.exit(str(error), 3)


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def database():
    """The session's own PostgreSQL database, migrated to the latest schema."""
    from service import db
    from service.cli import migrate_database

    await _admin(f'DROP DATABASE IF EXISTS "{TEST_DB}"')
    await _admin(f'CREATE DATABASE "{TEST_DB}"')
    await migrate_database()
    await db.start_pool()
    yield os.environ["DATABASE_URL"]
    await db.close_pool()
    await _admin(f'DROP DATABASE IF EXISTS "{TEST_DB}" WITH (FORCE)')


@pytest.fixture
async def clean_db(database):
    """Every test starts from empty tables (TRUNCATE bypasses the ledger's row guards)."""
    from service.db import get_engine
    from service.piccolo_app import APP_CONFIG

    yield database
    tables = ", ".join(t._meta.tablename for t in APP_CONFIG.table_classes)
    await get_engine().run_ddl(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="session")
def app(database):
    from service.app import create_app

    return create_app()


@pytest.fixture
async def client(clean_db, app):
    """An HTTP client calling the app in the test's own event loop (the session's
    database pool is already open, so the app's lifespan is not needed)."""
    import httpx

    from service.stores import STORE_NAMES
    from service.web import public_cache

    for name in STORE_NAMES:  # sessions and login throttling start empty, like the tables
        await app.stores.get(name).delete_all()
    public_cache.forget_local_copies()  # ids restart with the tables: no answer carries over
    await app.state["limiter"].reset()  # rate-limit windows too
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture(scope="session")
def redis_url() -> str:
    return REDIS_URL


TEST_TIMEOUT_S = float(os.environ.get("TEST_TIMEOUT_S", "900"))
"""No test (set-up, call and teardown) runs longer than this: a hung subprocess, server or
wait stops the run loudly instead of hanging CI forever. The longest tests bound their own
subprocesses to 10 minutes (tests/integration/test_api_fuzz.py)."""


def _descendants(pid: int) -> list[int]:
    """Processes started by `pid`, their children and so on (Linux /proc; else none)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _timed_out(item: pytest.Item) -> None:
    captured = ("", "")
    capture = item.config.pluginmanager.getplugin("capturemanager")
    if capture is not None:  # write to the terminal, not into the test's captured output
        with contextlib.suppress(Exception):
            capture.suspend_global_capture(in_=True)
            captured = capture.read_global_capture()
    err = sys.stderr
    err.write(f"\n\n=== TEST TIMEOUT: {item.nodeid} ran longer than {TEST_TIMEOUT_S:g} s ===\n")
    for name, text in zip(("stdout", "stderr"), captured, strict=True):
        if text:
            err.write(f"--- its captured {name} ---\n{text[-20_000:]}\n")
    err.write("--- stacks of every thread (TEST_TIMEOUT_S sets the limit) ---\n")
    err.flush()
    faulthandler.dump_traceback(file=err, all_threads=True)
    for process in _descendants(os.getpid()):  # servers and workers the test started
        with contextlib.suppress(OSError):
            os.kill(process, signal.SIGKILL)
    err.write("=== run stopped: exit status 1 ===\n")
    err.flush()
    os._exit(1)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    watchdog = threading.Timer(TEST_TIMEOUT_S, _timed_out, args=(item,))
    watchdog.daemon = True
    watchdog.start()
    try:
        yield
    finally:
        watchdog.cancel()
