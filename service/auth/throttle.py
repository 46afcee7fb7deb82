"""Slowing down repeated failed logins, per user name and per client address."""

from __future__ import annotations

from litestar.stores.base import Store

FREE_FAILURES = 5
WINDOW_S = 15 * 60
MAX_WAIT_S = 15 * 60


def _keys(username: str, client: str) -> tuple[str, str]:
    return f"user:{username.lower()}", f"ip:{client}"


async def wait_seconds(store: Store, username: str, client: str) -> int:
    """0 when a login may be tried now, else how long to wait."""
    worst = 0
    for key in _keys(username, client):
        raw = await store.get(key)
        failures = int(raw) if raw else 0
        if failures >= FREE_FAILURES:
            remaining = await store.expires_in(key) or 0
            worst = max(worst, min(remaining, MAX_WAIT_S))
    return worst


async def record_failure(store: Store, username: str, client: str) -> None:
    for key in _keys(username, client):
        raw = await store.get(key)
        failures = (int(raw) if raw else 0) + 1
        # Each failure beyond the free ones doubles the wait, up to MAX_WAIT_S.
        wait = (
            WINDOW_S
            if failures < FREE_FAILURES
            else min(60 * 2 ** (failures - FREE_FAILURES), MAX_WAIT_S)
        )
        await store.set(key, str(failures), expires_in=wait)


async def clear(store: Store, username: str, client: str) -> None:
    await store.delete(_keys(username, client)[0])
