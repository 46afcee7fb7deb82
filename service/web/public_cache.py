"""Public answers cached and revalidated, never stale by more than a moment.

A *content version* lives in the `response_cache` store (Redis with REDIS_URL, so every
web process and Celery worker shares it; in process memory without). Every committed
write transaction replaces it (`db.on_every_commit`): postings, publishing, edits.

Route handlers marked `cache=True` are the public ones. For them:
- the shared response cache (Litestar's, on the same store) keys each answer by path,
  query, language and content version, so a write makes every cached answer unreachable;
- `PublicCacheMiddleware` gives the answer an ETag from the content version and the
  language and answers 304 to a matching If-None-Match without running the handler;
  browsers are told to revalidate every time (`Cache-Control: no-cache`).
Each process also keeps its latest copy of every answer and serves it while the version
holds (no round trip); it renders an answer once per version, and while that render runs,
and for PUBLIC_STALE_MS after a newer version appears, it serves the copy before — so
pages render a few times a second at most, however fast pledges move the version. The
project page carries a form: `render_page` keeps its HTML the same way and puts each
visitor's CSRF token and a fresh form key into it; later anonymous GETs of that path are
answered from the copy by the middleware itself (no session, CSRF or route work), which
does the CSRF middleware's part for a safe request the same way: the token in the
visitor's cookie, or a new signed one sent in that cookie.
Requests carrying a session (staff) bypass all of this. Every other page or API answer — staff
pages, donor links, forms — is sent with `Cache-Control: no-store`.

The version also carries a time bucket of `PUBLIC_CACHE_S` seconds, which bounds how long
a write that could not move the version (a CLI command beside a server without Redis,
Redis unreachable at that moment) stays unseen.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from litestar import Request
from litestar._parsers import parse_cookie_string
from litestar.config.csrf import CSRFConfig
from litestar.config.response_cache import ResponseCacheConfig
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware import ASGIMiddleware
from litestar.middleware.csrf import generate_csrf_token
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send
from markupsafe import escape

from service import db, i18n
from service.stores import REDIS_NAMESPACE

log = logging.getLogger("minsheng.cache")

STORE = "response_cache"

VERSION_KEY = "content_version"
PUBLIC_CACHE_S = 30
SESSION_COOKIE = b"minsheng_session="
PUBLIC_CACHE_CONTROL = "no-cache"  # keep a copy, but ask (If-None-Match) every time
PRIVATE_CACHE_CONTROL = "no-store"
VARY = "Accept-Language, Cookie"
_STATE_KEY = "content_version"
# Paths that are neither public answers nor private: static files and cover images keep
# whatever caching their router gives them.
UNTOUCHED_PREFIXES = ("/static/", "/covers/")

VERSION_MEMO_S = 0.1
"""How long a process reuses the version it last read (a write in this process replaces
it at once; writes elsewhere are seen within this); never longer than PUBLIC_STALE_MS."""

Bump = Callable[[], Awaitable[None]]
_reader: Store | None = None
_bumper: Bump | None = None
_memo: tuple[float, str] | None = None
_memo_s = 0.0
_stale_s = 0.0


def install(store: Store, stale_s: float = 0.0) -> None:
    """Read and move the version in `store`; every committed write moves it. Answers may
    be served up to `stale_s` after a newer version exists (PUBLIC_STALE_MS)."""
    global _reader, _bumper, _stale_s, _memo_s
    _stale_s = stale_s
    _memo_s = min(VERSION_MEMO_S, stale_s)  # PUBLIC_STALE_MS=0: read it every time

    async def bump() -> None:
        # This process reads the new version at once; the shared store is told after the
        # response, in the background, coalesced (a pledge does not wait on Redis).
        global _memo, _latest_version
        _latest_version = uuid.uuid4().hex
        _memo = (time.monotonic() + _memo_s, _latest_version)
        if isinstance(store, MemoryStore) or not _memo_s:  # or every write shows at once
            await store.set(VERSION_KEY, _latest_version)
        else:
            _publish_soon(store)

    _reader, _bumper = store, bump
    db.on_every_commit(bump_content_version)


_latest_version = ""
_publishing: asyncio.Task[None] | None = None
_published = ""


def _publish_soon(store: Store) -> None:
    """Write this process's newest version to the shared store; at most one write in
    flight, and another after it when a newer version appeared meanwhile."""
    global _publishing

    async def publish() -> None:
        global _published
        while _published != _latest_version:
            version = _latest_version
            try:
                await store.set(VERSION_KEY, version)
            except Exception:
                log.warning("could not move the public content version", exc_info=True)
                return
            _published = version

    if _publishing is None or _publishing.done():
        _publishing = asyncio.get_running_loop().create_task(publish())


def install_bumper(bump: Bump) -> None:
    """For processes that write but serve no pages (Celery workers)."""
    global _bumper
    _bumper = bump
    db.on_every_commit(bump_content_version)


def install_redis_bumper(redis_url: str) -> None:
    """Move the version in the web processes' Redis store from a process without an
    event loop of its own (Celery tasks run each in `asyncio.run`): a plain client."""
    import redis

    client = redis.Redis.from_url(redis_url)
    key = f"{REDIS_NAMESPACE}_{STORE}:{VERSION_KEY}"  # RedisStore's key in service/stores.py

    async def bump() -> None:
        client.set(key, uuid.uuid4().hex)

    install_bumper(bump)


def forget_local_copies() -> None:
    """Drop this process's copies of public answers and its memoised version (when the
    data under them was replaced wholesale, e.g. tables emptied between tests)."""
    global _memo
    _latest.clear()
    _latest_pages.clear()
    _form_pages.clear()
    _memo = None


async def bump_content_version() -> None:
    """A new content version; a failure is logged, never turned into a failed request
    (the commit has happened), and the time bucket bounds the staleness."""
    if _bumper is None:
        return
    try:
        await _bumper()
    except Exception:
        log.warning("could not move the public content version", exc_info=True)


async def content_version() -> str | None:
    """The current version, None when it cannot be read (then nothing is cached)."""
    global _memo, _reading
    if _reader is None:
        return None
    now = time.monotonic()
    if _memo is not None and _memo[0] > now:
        stored = _memo[1]
    else:
        if _memo_s:  # requests that find the memo out of date share one read
            loop = asyncio.get_running_loop()
            if _reading is None or _reading[0] is not loop or _reading[1].done():
                _reading = (loop, loop.create_task(_read_stored(_reader)))
            read = await asyncio.shield(_reading[1])
        else:
            read = await _read_stored(_reader)
        if read is None:
            return None
        if _memo is not None and _memo[0] > time.monotonic():  # written here meanwhile
            stored = _memo[1]
        else:
            stored = read
            _memo = (now + _memo_s, stored)
    return f"{stored}.{int(time.time() // PUBLIC_CACHE_S)}"


_reading: tuple[asyncio.AbstractEventLoop, asyncio.Task[str | None]] | None = None


async def _read_stored(reader: Store) -> str | None:
    try:
        value = await reader.get(VERSION_KEY)
        if isinstance(value, bytes):
            return value.decode()
        stored = uuid.uuid4().hex  # a new or emptied store: a version no copy was made under
        await reader.set(VERSION_KEY, stored)
        return stored
    except Exception:
        log.warning("could not read the public content version", exc_info=True)
        return None


def _has_session(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"cookie" and SESSION_COOKIE in value:
            return True
    return False


def _is_public(scope: Scope) -> bool:
    handler = scope.get("route_handler")
    return (
        scope.get("method") in ("GET", "HEAD")
        and bool(getattr(handler, "cache", False))
        and not _has_session(scope)
    )


def cache_key(request: Request) -> str:
    version = request.scope.get("state", {}).get(_STATE_KEY)
    if version is None:  # unversioned (no store, or a session): a key nobody shares
        version = f"none-{uuid.uuid4().hex}"
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{request.url.path}?{query}|{i18n.current_locale.get()}|{version}"


def _cacheable(scope: HTTPScope, status: int) -> bool:
    return status == 200 and scope.get("state", {}).get(_STATE_KEY) is not None


def response_cache_config() -> ResponseCacheConfig:
    return ResponseCacheConfig(
        store=STORE,
        key_builder=cache_key,
        cache_response_filter=_cacheable,
        default_expiration=PUBLIC_CACHE_S,
    )


def _etag(version: str) -> str:
    return f'W/"{version}-{i18n.current_locale.get()}"'


def _if_none_match(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"if-none-match":
            return value.decode("latin-1")
    return None


class PublicCacheMiddleware(ASGIMiddleware):
    """ETag and 304 for public answers; `no-store` for everything private. Runs inside
    the locale middleware (the language is part of the tag)."""

    scopes = ("http",)  # type: ignore[assignment]

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        path = scope.get("path", "")
        if path.startswith(UNTOUCHED_PREFIXES):
            await next_app(scope, receive, send)
            return
        if not _is_public(scope):
            private = _with_headers(send, {"cache-control": PRIVATE_CACHE_CONTROL})
            if scope.get("method") == "GET" and not _has_session(scope):
                if await _serve_form_page(scope, private):
                    return
                if id(scope.get("route_handler")) in _form_handlers:  # not every stream
                    private = _learning_form_page(scope, private)
            await next_app(scope, receive, private)
            return
        version = await content_version()
        if version is None:
            await next_app(scope, receive, send)
            return
        scope.setdefault("state", {})[_STATE_KEY] = version
        etag = _etag(version)
        headers = {"etag": etag, "cache-control": PUBLIC_CACHE_CONTROL, "vary": VARY}
        wanted = _if_none_match(scope)
        if wanted and etag in {tag.strip() for tag in wanted.split(",")}:
            await send(
                {
                    "type": "http.response.start",
                    "status": 304,
                    "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        # This process keeps its latest copy of each answer: served as is while the version
        # holds. One render per answer and version in this process; while it runs (and
        # PUBLIC_STALE_MS after a newer version appears) others get the copy before.
        base = _base_key(scope)
        full = f"{base}|{version}"
        running = _inflight.get(full)
        stale = _latest.get(base)
        if stale is not None and (
            stale[0] == version  # this process's copy of the current answer: no round trip
            or running is not None
            or time.monotonic() - stale[1] < _stale_s
        ):
            for message in stale[2]:
                await send(_copy(message))  # outer middleware may add headers
            return
        if running is not None:
            await asyncio.shield(running)  # then Litestar's cache has the answer
            await next_app(scope, receive, _with_headers(send, headers, only_status=200))
            return
        done = asyncio.get_running_loop().create_future()
        _inflight[full] = done
        try:
            await next_app(scope, receive, _remembering(send, headers, base, version))
        finally:
            del _inflight[full]
            done.set_result(None)


_inflight: dict[str, asyncio.Future[None]] = {}
_latest: dict[str, tuple[str, float, list[Message]]] = {}
"""Per answer (path, query, language): the version, when it was rendered, its messages."""
_latest_pages: dict[str, tuple[str, float, str]] = {}
LATEST_KEEP = 1000


def _copy(message: Message) -> Message:
    if "headers" in message:
        return {**message, "headers": list(message["headers"])}  # type: ignore[return-value]
    return {**message}  # type: ignore[return-value]


def _base_key(scope: Scope) -> str:
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{scope.get('path', '')}?{query}|{i18n.current_locale.get()}"


def _remembering(send: Send, headers: dict[str, str], base: str, version: str) -> Send:
    """Adds the public headers and keeps the complete 200 answer as this process's latest
    for `base` (what others get while the next version renders)."""
    add = _with_headers(send, headers, only_status=200)
    if base in _latest and _latest[base][0] == version:
        return add  # already this process's latest
    messages: list[Message] = []

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            if message["status"] == 200:
                messages.append(message)
        elif messages:
            messages.append(message)
            if not message.get("more_body"):
                if len(_latest) >= LATEST_KEEP and base not in _latest:
                    del _latest[next(iter(_latest))]
                _latest[base] = (version, time.monotonic(), [_copy(m) for m in messages])
        await add(message)

    return wrapped


def _with_headers(send: Send, headers: dict[str, str], only_status: int | None = None) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start" and (
            only_status is None or message["status"] == only_status
        ):
            mutable = MutableScopeHeaders.from_message(message)
            for name, value in headers.items():
                if name == "cache-control" and "cache-control" in mutable:
                    continue  # the handler said something more specific
                mutable[name] = value
        await send(message)

    return wrapped


CSRF_SLOT = "__minsheng_csrf_slot__"
FORM_KEY_SLOT = "__minsheng_form_key_slot__"
_FORM_PAGE_STATE = "public_form_page"
_form_pages: dict[str, tuple[str, list[tuple[bytes, bytes]]]] = {}
"""Per request (path, query, language) whose answer `render_page` made: the page's key in
`_latest_pages` and the headers of its answer (no cookie, no length)."""
_form_handlers: set[int] = set()
"""Route handlers (by id) that answered with `render_page`: only their answers are watched."""


def _fresh_page(base: str, version: str) -> str | None:
    """This process's copy of a form page if it may be served at `version`: its own, or
    the one before while the next renders or for PUBLIC_STALE_MS after it appeared."""
    copy = _latest_pages.get(base)
    if copy is not None and (
        copy[0] == version
        or f"{base}|{version}" in _inflight
        or time.monotonic() - copy[1] < _stale_s
    ):
        return copy[2]
    return None


def _fill(html: str, token: str) -> str:
    """The visitor's CSRF token (escaped, as the template would) and a fresh form key."""
    if not token.isalnum():
        token = str(escape(token))
    return html.replace(CSRF_SLOT, token).replace(FORM_KEY_SLOT, uuid.uuid4().hex)


def _csrf_cookie(scope: Scope, config: CSRFConfig) -> str | None:
    """The visitor's CSRF cookie as Litestar's CSRF middleware reads it."""
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            return parse_cookie_string(value.decode("latin-1")).get(config.cookie_name)
    return None


_cookie_format: tuple[CSRFConfig, str] | None = None
_SAMPLE_TOKEN = "0" * 128


def _set_csrf_cookie(config: CSRFConfig, token: str) -> bytes:
    """The Set-Cookie value Litestar's CSRF middleware sends with a new token (its
    Cookie.to_header, formatted once per configuration: tokens are hex)."""
    global _cookie_format
    if _cookie_format is None or _cookie_format[0] is not config:
        cookie = Cookie(
            key=config.cookie_name,
            value=_SAMPLE_TOKEN,
            path=config.cookie_path,
            secure=config.cookie_secure,
            httponly=config.cookie_httponly,
            samesite=config.cookie_samesite,
            domain=config.cookie_domain,
        )
        _cookie_format = (config, cookie.to_header(header=""))
    return _cookie_format[1].replace(_SAMPLE_TOKEN, token).encode("latin-1")


async def _serve_form_page(scope: Scope, send: Send) -> bool:
    """Answer an anonymous GET of a form page from this process's copy, as the handler
    would (`render_page`) but without running the session and CSRF middlewares and the
    route: the CSRF middleware's work for a safe request is done here — the visitor's
    token is the one in their cookie, or a new signed one sent in the same cookie.
    False when there is no copy to serve (then the handler runs)."""
    known = _form_pages.get(_base_key(scope))
    if known is None:
        return False
    config: CSRFConfig | None = getattr(scope.get("litestar_app"), "csrf_config", None)
    if config is None:
        return False
    version = await content_version()
    html = _fresh_page(known[0], version) if version is not None else None
    if html is None:
        return False
    cookie = _csrf_cookie(scope, config)
    token = cookie or generate_csrf_token(secret=config.secret)
    body = _fill(html, token).encode()
    headers = [*known[1], (b"content-length", str(len(body)).encode())]
    if cookie is None:
        headers.append((b"set-cookie", _set_csrf_cookie(config, token)))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
    return True


def _learning_form_page(scope: Scope, send: Send) -> Send:
    """Remember which form page answered this request (see `_serve_form_page`)."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 200:
            page = scope.get("state", {}).get(_FORM_PAGE_STATE)
            if page is not None:
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() not in (b"set-cookie", b"content-length")
                ]
                key = _base_key(scope)
                if len(_form_pages) >= LATEST_KEEP and key not in _form_pages:
                    del _form_pages[next(iter(_form_pages))]
                _form_pages[key] = (page, headers)
        await send(message)

    return wrapped


async def render_page(
    request: Request, name: str, template: str, context: Callable[[], Awaitable[dict]]
) -> str:
    """A public page that carries a form: rendered once per content version and language
    (kept in the shared store under `name`), then each visitor's CSRF token and a fresh
    form key are put into its slots. The answer itself stays private (`no-store`).
    Anonymous visitors are then served this process's copy by `PublicCacheMiddleware`
    directly (`_serve_form_page`), while it may be served."""
    from litestar.utils.scope.state import ScopeState

    # Staff (a session) get it rendered afresh, like every other public answer.
    version = None if _has_session(request.scope) else await content_version()
    base = f"page:{name}|{i18n.current_locale.get()}"
    key = f"{base}|{version}"
    html = None
    if version is not None and _reader is not None:
        request.scope.setdefault("state", {})[_FORM_PAGE_STATE] = base
        _form_handlers.add(id(request.scope.get("route_handler")))
        html = _fresh_page(base, version)
        if html is None and (cached := await _reader.get(key)) is not None:
            html = cached.decode()
    if html is None:
        done = asyncio.get_running_loop().create_future()
        _inflight[key] = done
        try:
            engine = request.app.template_engine
            html = engine.get_template(template).render(
                **await context(),
                request=request,
                csrf_token=lambda: CSRF_SLOT,
                new_form_key=lambda: FORM_KEY_SLOT,
            )
            if version is not None and _reader is not None:
                await _reader.set(key, html.encode(), expires_in=PUBLIC_CACHE_S)
                if len(_latest_pages) >= LATEST_KEEP and base not in _latest_pages:
                    del _latest_pages[next(iter(_latest_pages))]
                _latest_pages[base] = (version, time.monotonic(), html)
        finally:
            _inflight.pop(key, None)
            done.set_result(None)
    token = ScopeState.from_scope(request.scope).csrf_token
    return _fill(html, token if isinstance(token, str) else "")
