"""Browser-facing protections, in one ASGI middleware:

- cross-site writes: an unsafe request to `/api/` that does not carry a bearer token must
  come from our own origin (`Origin`, else `Sec-Fetch-Site`) — the session cookie alone is
  no proof; pages' forms carry Litestar's CSRF token instead;
- bodies the API reads as JSON must say so: `text/plain` and url-encoded form bodies (what
  a cross-site HTML form can send without CORS) are refused with 415;
- security headers on every answer (CSP with a per-request nonce, frame-ancestors and
  X-Frame-Options, nosniff, Referrer-Policy, HSTS on https) and `Cache-Control: no-store`
  on console, audit, donor and login pages and the staff API.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from service.settings import Settings

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
SIMPLE_TYPES = ("text/plain", "application/x-www-form-urlencoded")
"""Bodies a cross-site form can send that no API route reads (multipart is read by the
evidence uploads, and is covered by the origin check like every cookie write)."""
NO_STORE_PREFIXES = ("/console", "/audit", "/donor", "/login", "/api/v1/auth", "/api/v1/console")
NONCE = "csp_nonce"


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


class CrossSiteRequest(PermissionDeniedException):
    pass


class SecurityMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, settings: Settings) -> None:
        self.base_origin = _origin(settings.base_url)
        self.https = settings.base_url.startswith("https://")
        stripe = {
            o for o in (_origin(settings.stripe_js_url), _origin(settings.stripe_api_base)) if o
        } | {"https://js.stripe.com", "https://hooks.stripe.com", "https://api.stripe.com"}
        self.stripe_sources = " ".join(sorted(stripe))

    def csp(self, nonce: str) -> str:
        return "; ".join(
            (
                "default-src 'self'",
                f"script-src 'self' 'nonce-{nonce}' {self.stripe_sources}",
                f"frame-src 'self' {self.stripe_sources}",
                f"connect-src 'self' {self.stripe_sources}",
                "img-src 'self' data:",
                "style-src 'self' 'unsafe-inline'",
                "object-src 'none'",
                "base-uri 'self'",
                "form-action 'self'",
                "frame-ancestors 'none'",
            )
        )

    def _same_origin(self, scope: Scope, headers: MutableScopeHeaders) -> bool:
        origin = headers.get("origin")
        if origin and origin != "null":
            host = headers.get("host", "")
            scheme = scope.get("scheme", "http")
            return origin in {self.base_origin, f"{scheme}://{host}"}
        if origin == "null":
            return False
        fetch_site = headers.get("sec-fetch-site")
        return fetch_site in (None, "same-origin", "none")

    def check_request(self, scope: Scope) -> None:
        path: str = scope["path"]
        if scope["method"] not in UNSAFE or not path.startswith("/api/"):
            return
        headers = MutableScopeHeaders(scope)
        if headers.get("authorization", "").lower().startswith("bearer "):
            return
        if not self._same_origin(scope, headers):
            raise CrossSiteRequest(
                "cross-site request refused: send it from this site or with a Bearer API token"
            )
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type in SIMPLE_TYPES:
            raise HTTPException(
                status_code=415,
                detail="send the body as application/json",
                extra=[{"key": "content-type", "message": "expected application/json"}],
            )

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})[NONCE] = nonce
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                if not path.startswith(("/admin", "/schema")):
                    headers["Content-Security-Policy"] = self.csp(nonce)
                else:
                    headers["Content-Security-Policy"] = "frame-ancestors 'none'"
                headers["X-Frame-Options"] = "DENY"
                headers["X-Content-Type-Options"] = "nosniff"
                # Donor links carry their token in the path: never send it onwards.
                headers["Referrer-Policy"] = "no-referrer"
                if self.https:
                    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
                if path.startswith(NO_STORE_PREFIXES) or path.startswith("/pledges/"):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        self.check_request(scope)
        await next_app(scope, receive, send_with_headers)
