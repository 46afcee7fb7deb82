"""create_app(): wires routes, templates, plugins and lifespan. No business logic here."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

from service import db, domains, health
from service.auth.guards import staff_dependency
from service.live.bus import channels_plugin
from service.logging import structlog_plugin
from service.ops import tracing
from service.ops.metrics import HttpMetricsMiddleware
from service.settings import Settings, get_settings
from service.stores import build_stores
from service.web import public_cache, redact
from service.web.errors import EXCEPTION_HANDLERS
from service.web.inputs import InputGuardMiddleware, strict_json_body
from service.web.locale import LocaleMiddleware
from service.web.openapi import document_errors
from service.web.public_cache import PublicCacheMiddleware, response_cache_config
from service.web.ratelimit import RateLimiter
from service.web.request_id import RequestIdMiddleware, add_request_id_header
from service.web.security import SecurityMiddleware
from service.web.sessions import SessionConfig
from service.web.templating import template_config

STATIC_DIR = Path(__file__).parent / "static"
SESSION_MAX_AGE_S = 12 * 3600


def domain_routes() -> list[Any]:
    """Every domain's `controllers.ROUTES` (service/domains.py lists them all), collected
    so no route is listed twice."""
    routes: list[Any] = []
    for domain in domains.DOMAINS:
        module_name = f"service.{domain}.controllers"
        if importlib.util.find_spec(module_name) is not None:
            routes.extend(importlib.import_module(module_name).ROUTES)
    return routes


def wire_outbox_relay() -> None:
    """Services write outbox rows; the task layer relays them. The process wires the two
    at start-up so services never import tasks (docs/architecture.md, "The outbox")."""
    from tasks.outbox import install

    install()


def embedded_beat(app: Litestar) -> Any:
    """Lifespan: without Redis, beat's schedule in this process (tasks/embedded.py)."""
    from tasks.embedded import embedded_beat as lifespan

    return lifespan(app)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    redact.install()
    wire_outbox_relay()
    stores = build_stores(settings)
    public_cache.install(stores[public_cache.STORE], stale_s=settings.public_stale_ms / 1000)
    app = Litestar(
        route_handlers=[
            health.healthz,
            health.readyz,
            create_static_files_router(path="/static", directories=[STATIC_DIR]),
            *domain_routes(),
        ],
        lifespan=[db.pool_lifespan, embedded_beat],
        dependencies={"staff": Provide(staff_dependency)},
        template_config=template_config(),
        stores=stores,
        response_cache_config=response_cache_config(),
        middleware=[
            RequestIdMiddleware,
            HttpMetricsMiddleware,
            SecurityMiddleware(settings),
            InputGuardMiddleware(),
            LocaleMiddleware(),
            PublicCacheMiddleware(),
            SessionConfig(
                key="minsheng_session",
                max_age=SESSION_MAX_AGE_S,
                secure=settings.base_url.startswith("https://"),
                samesite="lax",
                store="sessions",
            ).middleware,
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_secure=settings.base_url.startswith("https://"),
            # JSON API calls carry a bearer token or a JSON body that browsers cannot
            # send cross-site without CORS; forms on pages carry the CSRF token.
            exclude=["/api/"],
            cookie_name="minsheng_csrf",
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=[add_request_id_header],
        plugins=[
            structlog_plugin(settings),
            channels_plugin(settings),
            *tracing.web_plugins(settings),
        ],
        openapi_config=OpenAPIConfig(
            title="minsheng API",
            version="1",
            description="Public-welfare crowdfunding: events, projects, pledges, ledger.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin()],
        ),
        before_request=strict_json_body,
        state=State({"limiter": RateLimiter(settings)}),
        debug=False,
    )
    document_errors(app)
    return app
