"""Key-value stores for sessions, throttling and public answers (service/web/public_cache.py):
Redis when configured, else in memory."""

from __future__ import annotations

from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore

from service.settings import Settings

REDIS_NAMESPACE = "minsheng"
STORE_NAMES = ("sessions", "throttle", "response_cache")


def build_stores(settings: Settings) -> dict[str, Store]:
    if settings.redis_url:
        root = RedisStore.with_client(url=settings.redis_url, namespace=REDIS_NAMESPACE)
        return {name: root.with_namespace(name) for name in STORE_NAMES}
    return {name: MemoryStore() for name in STORE_NAMES}
