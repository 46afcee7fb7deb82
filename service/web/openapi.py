"""The OpenAPI document says what the API really answers: every operation under /api/
lists the error statuses it can send, each with the one error body the service sends
(`{"detail", "errors": [{"field", "message"}]}`), so a generated client parses them."""

from __future__ import annotations

import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec


class FieldErrorOut(msgspec.Struct):
    field: str
    """The request field at fault (`body`, `query`, `donor.email`, `Idempotency-Key`…)."""
    message: str


class ErrorOut(msgspec.Struct):
    """Every 4xx and 503 answer of the API."""

    detail: str
    errors: list[FieldErrorOut]


API_ERRORS = {
    400: "The request is malformed or a field is invalid (`errors` names it).",
    401: "Not logged in: send the session cookie or `Authorization: Bearer <token>`.",
    403: "The role may not do this, or a cookie request came from another site.",
    404: "No such object.",
    409: "Conflicts with the current state (a reused Idempotency-Key, a duplicate).",
    415: "The body must be application/json.",
    422: "Valid, but the object's state does not allow it (closed edition, full project).",
    429: "Too many requests: wait the `Retry-After` seconds.",
    503: "The database is unavailable: retry after `Retry-After` seconds.",
}


def document_errors(app: Litestar) -> None:
    """Add the error responses to every API operation (before the schema is built)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler) or not route.path.startswith("/api/"):
                continue
            responses = dict(handler.responses or {})
            for status, description in API_ERRORS.items():
                responses.setdefault(
                    status, ResponseSpec(data_container=ErrorOut, description=description)
                )
            handler.responses = responses
