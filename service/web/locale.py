"""Middleware that picks the request's language and remembers an explicit choice."""

from __future__ import annotations

from http.cookies import SimpleCookie

from litestar.datastructures import MutableScopeHeaders
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from service import i18n

COOKIE = "lang"
ONE_YEAR_S = 365 * 24 * 3600


def _query_lang(scope: Scope) -> str | None:
    for pair in scope.get("query_string", b"").decode("latin-1").split("&"):
        key, _, value = pair.partition("=")
        if key == "lang":
            return value
    return None


class LocaleMiddleware(ASGIMiddleware):
    scopes = ("http",)  # type: ignore[assignment]

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        headers = dict(scope.get("headers", []))
        cookies = SimpleCookie(headers.get(b"cookie", b"").decode("latin-1"))
        chosen = _query_lang(scope)
        cookie = cookies[COOKIE].value if COOKIE in cookies else None
        locale = i18n.negotiate(
            chosen, cookie, headers.get(b"accept-language", b"").decode("latin-1")
        )
        token = i18n.current_locale.set(locale)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and chosen in i18n.LOCALES:
                MutableScopeHeaders.from_message(message).add(
                    "set-cookie", f"{COOKIE}={chosen}; Path=/; Max-Age={ONE_YEAR_S}; SameSite=Lax"
                )
            await send(message)

        try:
            await next_app(scope, receive, send_with_cookie)
        finally:
            i18n.current_locale.reset(token)
