"""Server-side sessions that leave anonymous requests alone.

Litestar's backend stores an empty session under a fresh id and sets its cookie on every
request that came without one: a store write and a Set-Cookie on every public page and
API call, and one stored session per anonymous request. Here a request that neither
brought a session cookie nor put anything in its session touches neither.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Empty, Message, ScopeSession

from service.auth.rotation import NEW_ID, ROTATE


class AnonymousFriendlySessionBackend(ServerSideSessionBackend):
    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection
    ) -> None:
        nothing_to_keep = scope_session is Empty or not scope_session
        if nothing_to_keep and self.config.key not in connection.cookies:
            return
        if connection.scope.get("state", {}).get(ROTATE):
            old_id = connection.cookies.get(self.config.key)
            if old_id:
                await self.delete(old_id, store=self.config.get_store_from_app(connection.app))
            connection.scope["state"][NEW_ID] = self.generate_session_id()
        await super().store_in_message(scope_session, message, connection)

    def get_session_id(self, connection: ASGIConnection) -> str:
        fresh = connection.scope.get("state", {}).get(NEW_ID)
        return fresh or super().get_session_id(connection)


@dataclass
class SessionConfig(ServerSideSessionConfig):
    _backend_class = AnonymousFriendlySessionBackend
