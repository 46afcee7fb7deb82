"""Input that no handler should ever see, refused with a 400 before routing:

- NUL characters (in the path, the query, a JSON string or a form field): PostgreSQL
  cannot store them in text, and no name, message or address contains one;
- JSON nested deeper than MAX_DEPTH: no request body of ours is deeper than a handful of
  levels, and a 100,000-deep array would exhaust the decoder's recursion.

Raw uploads (cover images) are binary and pass untouched.
"""

from __future__ import annotations

import msgspec
from litestar import Request
from litestar.datastructures import Headers
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import ClientException, ValidationException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

MAX_DEPTH = 32
MAX_SCANNED_BODY = 10 * 1024 * 1024
TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded", "text/plain")


class BadInput(ClientException):
    status_code = 400


def _refuse(field: str, message: str) -> BadInput:
    return BadInput(detail=message, extra=[{"key": field, "message": message}])


def json_depth_exceeds(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """True when brackets outside strings nest deeper than `limit`."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def check_body(content_type: str, body: bytes) -> None:
    if content_type.endswith("json") or content_type == "text/plain":
        if b"\\u0000" in body or b"\x00" in body:
            raise _refuse("body", "text must not contain NUL characters (\\u0000)")
        if json_depth_exceeds(body):
            raise _refuse("body", f"JSON nested deeper than {MAX_DEPTH} levels")
    elif content_type == "application/x-www-form-urlencoded" and (
        b"%00" in body or b"\x00" in body
    ):
        raise _refuse("body", "form fields must not contain NUL characters")


class InputGuardMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        query: bytes = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query or "\x00" in scope["path"]:
            raise _refuse("query", "the address must not contain NUL characters (%00)")
        content_type = Headers.from_scope(scope).get("content-type", "").split(";")[0].strip()
        if scope["method"] in ("GET", "HEAD", "OPTIONS") or not (
            content_type.lower().endswith("json") or content_type.lower() in TEXT_BODIES
        ):
            await next_app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await next_app(scope, receive, send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            chunks.append(chunk)
            more = message.get("more_body", False)
            if size > MAX_SCANNED_BODY:
                raise ClientException(status_code=413, detail="request body too large")
        body = b"".join(chunks)
        check_body(content_type.lower(), body)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await next_app(scope, replay, send)


_STRICT_TYPES: dict[object, object | None] = {}


def _json_body_type(request: Request) -> object | None:
    """The msgspec type a handler reads its JSON body as, or None."""
    handler = request.route_handler
    if handler not in _STRICT_TYPES:
        field = handler.parsed_fn_signature.parameters.get("data")
        media = getattr(field.kwarg_definition, "media_type", None) if field else None
        _STRICT_TYPES[handler] = (
            field.annotation if field is not None and media == RequestEncodingType.JSON else None
        )
    return _STRICT_TYPES[handler]


async def strict_json_body(request: Request) -> None:
    """Litestar converts bodies leniently (so `"amount_fen": "100"` became 100): decode
    every JSON body once more with msgspec's strict rules and refuse what they refuse."""
    body_type = _json_body_type(request)
    if body_type is None:
        return
    body = await request.body()
    if not body.strip():
        return  # an optional body left out; Litestar answers a required one itself
    try:
        msgspec.json.decode(body, type=body_type, strict=True)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = message.rsplit("at `$.", 1)[-1].rstrip("`") if "at `$." in message else "body"
        raise ValidationException(
            detail="the request body is not valid", extra=[{"key": field, "message": message}]
        ) from exc
    except msgspec.DecodeError as exc:
        raise ValidationException(
            detail="the request body is not valid JSON",
            extra=[{"key": "body", "message": str(exc)}],
        ) from exc
