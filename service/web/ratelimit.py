"""Rate limits on the `limits` library: moving windows kept in Redis when `REDIS_URL` is
set (shared by every web process, atomic by Lua scripts), in process otherwise.

Each limit is a named rule (`RULES`) checked with `hit()`, which counts the attempt and
answers how long to wait when the window is full, in one atomic step — so a burst of
parallel requests cannot all pass a check before any of them is counted. A limit that
cannot be checked (Redis down) lets the request through and logs it: pledges must keep
working through a Redis outage (readiness reports it).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

import structlog
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from litestar.connection import ASGIConnection

from service.errors import DomainError, FieldError
from service.i18n import gettext as _
from service.settings import Settings

log = structlog.get_logger("minsheng.ratelimit")


class RateLimited(DomainError):
    """429 with Retry-After (seconds)."""

    status = 429

    def __init__(self, field: str, retry_after: int) -> None:
        message = _("请求过于频繁，请在 %(s)s 秒后再试。") % {"s": retry_after}
        super().__init__(message, [FieldError(field, message)])
        self.retry_after = retry_after


@dataclass(frozen=True)
class Rule:
    name: str
    field: str
    """The request field the limit is about, named in the 429's errors."""
    items: tuple[RateLimitItem, ...]


def _identifier(value: str) -> str:
    """Contacts and user names are kept hashed in the limiter's keys."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limits
        storage: Storage
        if settings.redis_url:
            url = "async+" + settings.redis_url
            storage = RedisStorage(
                url,
                implementation="redispy",
                key_prefix="minsheng-limits",
                wrap_exceptions=True,
                # An unreachable Redis must not hold a pledge up: fail open after a second.
                socket_connect_timeout=1.0,
                socket_timeout=1.0,
            )
        else:
            storage = MemoryStorage()
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)
        self.rules = {
            "pledge_client": Rule("pledge_client", "client", parse_many(settings.limit_pledges)),
            "pledge_contact": Rule(
                "pledge_contact", "donor.email", parse_many(settings.limit_pledges_per_contact)
            ),
            "mail_address": Rule(
                "mail_address", "to", parse_many(settings.limit_mails_per_address)
            ),
            "login_client": Rule("login_client", "client", parse_many(settings.limit_logins)),
            "login_account": Rule(
                "login_account", "username", parse_many(settings.limit_login_failures)
            ),
        }

    async def wait(self, rule_name: str, key: str, *, hashed: bool = True) -> int:
        """Count one attempt; 0 if it may go ahead, else the seconds until it may."""
        if not self.enabled:
            return 0
        rule = self.rules[rule_name]
        ident = _identifier(key) if hashed else key
        try:
            worst = 0
            for item in rule.items:
                if not await self.strategy.hit(item, rule.name, ident):
                    stats = await self.strategy.get_window_stats(item, rule.name, ident)
                    worst = max(worst, max(1, math.ceil(stats.reset_time - time.time())))
            return worst
        except Exception as exc:  # the limit store is down: let the request through
            log.warning("rate limit not checked", rule=rule_name, error=repr(exc))
            return 0

    async def check(self, rule_name: str, key: str, *, hashed: bool = True) -> None:
        """Count one attempt; raise RateLimited (429) when the window is full."""
        retry_after = await self.wait(rule_name, key, hashed=hashed)
        if retry_after:
            raise RateLimited(self.rules[rule_name].field, retry_after)

    async def clear(self, rule_name: str, key: str, *, hashed: bool = True) -> None:
        rule = self.rules[rule_name]
        ident = _identifier(key) if hashed else key
        try:
            for item in rule.items:
                await self.strategy.clear(item, rule.name, ident)
        except Exception as exc:
            log.warning("rate limit not cleared", rule=rule_name, error=repr(exc))

    async def reset(self) -> None:
        """Forget every window (tests)."""
        await self.storage.reset()


def limiter(connection: ASGIConnection) -> RateLimiter:
    """The app's limiter (built in create_app, kept in app.state)."""
    return connection.app.state["limiter"]
