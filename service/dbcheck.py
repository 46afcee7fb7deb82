"""Telling "the database is unreachable" apart from every other failure: the web answers
503 (and recovers by itself when the database returns — the pool reconnects), the CLI
says so in one line instead of a traceback."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import asyncpg

from service.settings import Settings

CONNECT_TIMEOUT_S = 5.0
UNAVAILABLE = (
    ConnectionError,  # refused, reset, aborted
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.InterfaceError,  # "connection is closed", pool closing
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
)


def is_database_unavailable(exc: BaseException) -> bool:
    """True when `exc`, or an exception it was raised from, means the database is gone."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, UNAVAILABLE):
            return True
        if isinstance(current, OSError) and current.errno is not None:
            return True  # e.g. "connect call failed", no route to host
        current = current.__cause__ or current.__context__
    return False


def where(settings: Settings) -> str:
    parts = urlsplit(settings.database_url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"


def unreachable_message(settings: Settings, exc: BaseException) -> str:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (
        f"cannot reach the database at {where(settings)} (DATABASE_URL): {reason}. "
        "Is PostgreSQL running, and are the host and port right?"
    )


def preflight(settings: Settings) -> None:
    """Raise RuntimeError with one line when PostgreSQL does not answer (SQLite: nothing)."""
    if settings.is_sqlite:
        return

    async def probe() -> None:
        connection = await asyncpg.connect(settings.database_url, timeout=CONNECT_TIMEOUT_S)
        await connection.close()

    try:
        asyncio.run(probe())
    except Exception as exc:
        if is_database_unavailable(exc) or isinstance(exc, OSError):
            raise RuntimeError(unreachable_message(settings, exc)) from None
        raise
