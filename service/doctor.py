"""`minsheng doctor`: checks a deployment and says, per check, ok or fail and the fix.

Each check is a small async function returning a `Finding`; a check that raises is a
failure whose message is the exception's. Nothing here changes the deployment except a
probe file written to and removed from the storage.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import zoneinfo
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from service.settings import Settings

TIMEOUT_S = 8.0
MAX_CLOCK_SKEW_S = 5.0
TIME_ZONE = "Asia/Shanghai"
SPARE_CONNECTIONS = 3
"""Connections kept free for `minsheng migrate`, the CLI and a psql session."""
EVICTING_POLICIES = {"allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru",
                     "volatile-lfu", "volatile-random", "volatile-ttl"}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        text = f"{mark} {self.name:<18} {self.detail}"
        return text if self.ok or not self.fix else f"{text} — fix: {self.fix}"


class Problem(Exception):
    """A failed check: what is wrong and what to do."""

    def __init__(self, detail: str, fix: str) -> None:
        super().__init__(detail)
        self.detail, self.fix = detail, fix


Check = Callable[[Settings], Awaitable[str]]


def _dsn_label(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path}"


async def _connect(settings: Settings) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(settings.database_url, timeout=TIMEOUT_S)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise Problem(
            f"cannot connect to {_dsn_label(settings.database_url)}: {exc}",
            "check DATABASE_URL (host, port, user, password, database) and that PostgreSQL "
            "is running",
        ) from exc


async def check_database(settings: Settings) -> str:
    if settings.is_sqlite:
        path = Path(settings.sqlite_path)
        if not path.parent.exists():
            raise Problem(f"no folder {path.parent}", "create it or fix DATABASE_URL")
        return f"SQLite file {path} (single machine only)"
    connection = await _connect(settings)
    try:
        version = await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()
    return f"PostgreSQL {version} at {_dsn_label(settings.database_url)}"


async def check_migrations(settings: Settings) -> str:
    from piccolo.apps.migrations.commands.base import BaseMigrationManager

    from service.piccolo_app import APP_CONFIG

    manager = BaseMigrationManager()
    available = manager.get_migration_ids(
        manager.get_migration_modules(APP_CONFIG.resolved_migrations_folder_path)
    )
    if settings.is_sqlite:
        import sqlite3

        with sqlite3.connect(settings.sqlite_path) as db:
            has_table = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='migration'"
            ).fetchone()
            applied = (
                {r[0] for r in db.execute("SELECT name FROM migration")} if has_table else set()
            )
    else:
        connection = await _connect(settings)
        try:
            has_table = await connection.fetchval("SELECT to_regclass('public.migration')")
            applied = (
                {r["name"] for r in await connection.fetch("SELECT name FROM migration")}
                if has_table
                else set()
            )
        finally:
            await connection.close()
    pending = [m for m in available if m not in applied]
    if pending:
        raise Problem(
            f"{len(pending)} of {len(available)} migrations not applied (first: {pending[0]})",
            "run `minsheng migrate`",
        )
    return f"all {len(available)} migrations applied"


async def check_redis(settings: Settings) -> str:
    if not settings.redis_url:
        if settings.env == "production":
            raise Problem(
                "REDIS_URL is not set: tasks would run inside the web processes",
                "set REDIS_URL=redis://:password@host:6379/0 and run workers and beat",
            )
        return "not set: tasks run in process (one machine, no worker or beat)"
    import redis.asyncio as aioredis

    client = aioredis.from_url(settings.redis_url, socket_timeout=TIMEOUT_S)
    try:
        await client.ping()
        try:
            policy = (await client.config_get("maxmemory-policy")).get("maxmemory-policy", "")
        except aioredis.ResponseError:  # CONFIG disabled (managed Redis): cannot tell
            policy = "unknown (CONFIG is disabled)"
    except (OSError, aioredis.RedisError) as exc:
        raise Problem(
            f"{_redis_label(settings.redis_url)} does not answer: {exc}",
            "check REDIS_URL (host, port, password) and that Redis is running",
        ) from exc
    finally:
        await client.aclose()
    if policy in EVICTING_POLICIES:
        raise Problem(
            f"maxmemory-policy is {policy}: Redis may evict queued tasks",
            "set maxmemory-policy noeviction (redis.conf or --maxmemory-policy noeviction)",
        )
    return f"{_redis_label(settings.redis_url)} answers (maxmemory-policy {policy})"


def _redis_label(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}{parts.path}"


async def check_broker(settings: Settings) -> str:
    if not settings.redis_url:
        return "no broker: tasks run in process"

    def ping() -> list:
        from celery import Celery

        # A bare client on the same broker: the workers answer its broadcast ping.
        app = Celery("minsheng-doctor", broker=settings.redis_url)
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=TIMEOUT_S)
        return app.control.ping(timeout=2.0) or []

    try:
        replies = await asyncio.to_thread(ping)
    except Exception as exc:  # kombu raises many kinds; any means the broker is unusable
        raise Problem(
            f"the Celery broker is unreachable: {exc}", "check REDIS_URL and Redis"
        ) from exc
    if not replies:
        raise Problem(
            "the broker answers but no worker does",
            "start `minsheng worker` (and one `minsheng beat`) against the same REDIS_URL",
        )
    return f"broker answers; {len(replies)} worker(s) answer"


async def check_smtp(settings: Settings) -> str:
    from service.mail_transport import MailTransportError, check_login

    try:
        return await asyncio.to_thread(check_login, settings)
    except MailTransportError as exc:
        raise Problem(str(exc), "fix SMTP_URL / SMTP_STARTTLS / SMTP_CA_FILE") from exc


async def check_storage(settings: Settings) -> str:
    from service.storage import StorageError, build_storage

    try:
        storage = build_storage(settings)
        return await asyncio.to_thread(storage.check_writable)
    except (StorageError, OSError, ValueError) as exc:
        raise Problem(
            f"storage is not writable: {exc}",
            "check STORAGE_URL (or MINSHENG_DATA_DIR), STORAGE_S3_ENDPOINT and the AWS_* "
            "credentials, and that the bucket or folder exists and may be written",
        ) from exc


async def check_stripe(settings: Settings) -> str:
    key = settings.stripe_secret_key
    if not key:
        return "not configured: only offline channels (bank transfer, cash)"
    live = "_live_" in key
    mode = "live" if live else "test"
    if settings.env == "production" and not live:
        raise Problem(
            "a test-mode key in production: no real card is charged",
            "set STRIPE_SECRET_KEY to the sk_live_… key",
        )
    if settings.env != "production" and live:
        raise Problem(
            f"a live-mode key with MINSHENG_ENV={settings.env}: real cards would be charged",
            "use an sk_test_… key outside production",
        )
    if not settings.stripe_webhook_secret:
        raise Problem(
            f"{mode} key set but STRIPE_WEBHOOK_SECRET is not: webhooks cannot be verified",
            "copy the endpoint's signing secret (whsec_…) into STRIPE_WEBHOOK_SECRET",
        )
    if not settings.stripe_webhook_secret.startswith("whsec_"):
        raise Problem(
            "STRIPE_WEBHOOK_SECRET does not look like a signing secret",
            "use the whsec_… value of the webhook endpoint",
        )
    return f"{mode} mode key, webhook secret set"


async def check_font(settings: Settings) -> str:
    return await asyncio.to_thread(_check_font)


def _check_font() -> str:
    from reportlab.pdfbase.ttfonts import TTFont

    from service.fonts import FontMissing, cjk_font_path

    try:
        path = cjk_font_path()
        TTFont("DoctorProbe", str(path), subfontIndex=0)
    except FontMissing as exc:
        raise Problem(
            str(exc), "run `uv sync` (the font is the paperang-p2-fonts-cjk wheel)"
        ) from exc
    except Exception as exc:  # reportlab raises TTFError and plain errors alike
        raise Problem(
            f"the receipt font cannot be embedded: {exc}", "reinstall with `uv sync`"
        ) from exc
    return f"{path.name} embeds"


def _entropy_bits(text: str) -> float:
    counts = Counter(text)
    if not text:
        return 0.0
    per_char = sum(n / len(text) * math.log2(len(text) / n) for n in counts.values())
    return per_char * len(text)


async def check_secret_key(settings: Settings) -> str:
    key = settings.secret_key
    bits = _entropy_bits(key)
    if "change-me" in key.lower():
        raise Problem(
            "SECRET_KEY is still the placeholder from .env.example",
            'generate one: python -c "import secrets; print(secrets.token_urlsafe(48))"',
        )
    if len(key) < 32 or bits < 128:
        raise Problem(
            f"SECRET_KEY is weak ({len(key)} characters, about {bits:.0f} bits)",
            'generate one: python -c "import secrets; print(secrets.token_urlsafe(48))"',
        )
    return f"{len(key)} characters, about {bits:.0f} bits"


async def check_time_zone(settings: Settings) -> str:
    try:
        zone = zoneinfo.ZoneInfo(TIME_ZONE)
    except zoneinfo.ZoneInfoNotFoundError as exc:
        raise Problem(
            f"time zone {TIME_ZONE} is not installed",
            "apt-get install tzdata (or pip install tzdata)",
        ) from exc
    now = dt.datetime.now(dt.UTC)
    detail = f"{TIME_ZONE} is {now.astimezone(zone):%Y-%m-%d %H:%M}"
    if settings.is_sqlite:
        return detail
    connection = await _connect(settings)
    try:
        database_now = await connection.fetchval("SELECT now()")
    finally:
        await connection.close()
    skew = abs((database_now - now).total_seconds())
    if skew > MAX_CLOCK_SKEW_S:
        raise Problem(
            f"this machine's clock and PostgreSQL's differ by {skew:.0f} s",
            "run NTP (chrony or systemd-timesyncd) on every machine",
        )
    return f"{detail}; clock within {skew:.1f} s of PostgreSQL's"


async def check_connection_budget(settings: Settings) -> str:
    if settings.is_sqlite:
        return "SQLite: no connection limit"
    ops = settings.ops
    connection = await _connect(settings)
    try:
        limit = int(await connection.fetchval("SHOW max_connections"))
        reserved = int(await connection.fetchval("SHOW superuser_reserved_connections"))
    finally:
        await connection.close()
    web = ops.web_processes * ops.db_pool_max
    workers = ops.worker_processes * ops.worker_db_pool_max
    need = web + workers + SPARE_CONNECTIONS
    available = limit - reserved
    arithmetic = (
        f"{ops.web_processes} web × {ops.db_pool_max} + {ops.worker_processes} worker × "
        f"{ops.worker_db_pool_max} + {SPARE_CONNECTIONS} spare = {need} of {available} "
        f"(max_connections {limit} − {reserved} reserved)"
    )
    if need > available:
        raise Problem(
            arithmetic,
            "lower DB_POOL_MAX / WORKER_DB_POOL_MAX, run fewer processes, raise "
            "max_connections, or put PgBouncer in front (README: Deploying)",
        )
    return arithmetic


CHECKS: tuple[tuple[str, Check], ...] = (
    ("database", check_database),
    ("migrations", check_migrations),
    ("redis", check_redis),
    ("broker", check_broker),
    ("smtp", check_smtp),
    ("storage", check_storage),
    ("stripe", check_stripe),
    ("receipt font", check_font),
    ("secret key", check_secret_key),
    ("time zone", check_time_zone),
    ("connection budget", check_connection_budget),
)


async def _run_one(name: str, check: Check, settings: Settings) -> Finding:
    try:
        detail = await asyncio.wait_for(check(settings), TIMEOUT_S * 2)
    except Problem as problem:
        return Finding(name, False, problem.detail, problem.fix)
    except TimeoutError:
        return Finding(name, False, "no answer in time", "check that the service is reachable")
    except Exception as exc:  # a check that breaks is a failed check, named with its error
        return Finding(name, False, f"{type(exc).__name__}: {exc}", "see the error")
    return Finding(name, True, detail)


async def run_checks(settings: Settings) -> list[Finding]:
    """Every check, in order; database-dependent ones say so when the database is down."""
    return [await _run_one(name, check, settings) for name, check in CHECKS]
