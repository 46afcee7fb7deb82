"""Request ids: every request gets one (a sane incoming X-Request-ID is kept, else a new
one), bound to every log line written while it is served (structlog context), sent back
in the X-Request-ID header and put in error answers; tasks enqueued while serving carry
it to the worker (tasks/celery_app.py)."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from typing import Any

import structlog
from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
SCOPE_KEY = "minsheng.request_id"
SANE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or task) being served, if any."""
    return _current.get()


def bind_request_id(request_id: str) -> None:
    """Make `request_id` the current one for logs and outgoing tasks (this context only)."""
    _current.set(request_id)
    structlog.contextvars.bind_contextvars(request_id=request_id)


def request_id_for(scope: Scope | dict[str, Any]) -> str:
    """The request's id, assigned on first use and bound to the current context."""
    request_id = scope.get(SCOPE_KEY)
    if request_id is None:
        incoming = ""
        for name, value in scope.get("headers", ()):
            if name == HEADER.encode():
                incoming = value.decode("latin-1")
                break
        request_id = incoming if SANE.match(incoming) else uuid.uuid4().hex
        scope[SCOPE_KEY] = request_id  # type: ignore[literal-required]
    if _current.get() != request_id:
        bind_request_id(request_id)
    return request_id


class RequestIdMiddleware:
    """Binds the id before the handler runs, so its log lines carry it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            request_id_for(scope)
        await self.app(scope, receive, send)


async def add_request_id_header(message: Message, scope: Scope) -> None:
    """before_send hook: every HTTP answer (404s for unknown paths too) names its id; the
    access log line uvicorn writes next carries it as well."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        headers[HEADER] = request_id_for(scope)
