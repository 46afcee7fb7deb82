"""GET /metrics for Prometheus: open outside production; in production a bearer
METRICS_TOKEN or a logged-in organizer or auditor (also with METRICS_TOKEN set anywhere)."""

from __future__ import annotations

import hmac

from litestar import Request, Response, get
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from service.auth.guards import current_staff
from service.auth.tables import StaffUser
from service.ops.metrics import database_metrics, render_process_metrics
from service.settings import get_settings

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
READERS = {StaffUser.Role.organizer, StaffUser.Role.auditor}


async def check_metrics_access(request: Request) -> None:
    settings = get_settings()
    token = settings.ops.metrics_token
    if not token and settings.env != "production":
        return
    authorization = request.headers.get("authorization", "")
    if (
        token
        and authorization.lower().startswith("bearer ")
        and hmac.compare_digest(authorization[7:].strip().encode(), token.encode())
    ):
        return
    identity = await current_staff(request)  # a staff API token or session; 401 if unknown
    if identity is None:
        raise NotAuthorizedException(
            "metrics need Authorization: Bearer METRICS_TOKEN or an organizer's login"
        )
    if identity.role not in READERS:
        raise PermissionDeniedException("metrics are for organizers and auditors")


@get("/metrics", include_in_schema=False, name="metrics")
async def metrics(request: Request) -> Response[bytes]:
    """Prometheus text format: this server's processes, then figures from the database."""
    await check_metrics_access(request)
    body = render_process_metrics() + await database_metrics()
    return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


ROUTES = [metrics]
