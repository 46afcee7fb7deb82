"""Key-value stores for sessions and throttling: Redis when configured, else in memory."""

from __future__ import annotations

from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore

from service.settings import Settings

STORE_NAMES = ("sessions", "throttle")


def build_stores(settings: Settings) -> dict[str, Store]:
    if settings.redis_url:
        root = RedisStore.with_client(url=settings.redis_url, namespace="minsheng")
        return {name: root.with_namespace(name) for name in STORE_NAMES}
    return {name: MemoryStore() for name in STORE_NAMES}
