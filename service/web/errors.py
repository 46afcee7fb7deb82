"""One error shape for every 4xx: {"detail": …, "errors": [{"field": …, "message": …}]}.

API paths answer JSON; pages answer an error page in the visitor's language.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE

from service.dbcheck import is_database_unavailable
from service.errors import DomainError
from service.i18n import gettext as _
from service.web.redact import redact_path
from service.web.request_id import request_id_for

log = structlog.get_logger("minsheng.errors")
DB_RETRY_AFTER_S = 5


def _wants_json(request: Request) -> bool:
    """The API answers JSON; pages answer pages (a login redirect for 401) unless the
    client asks for JSON and not HTML — the same for every page, whatever it sends."""
    path = request.url.path
    if path.startswith(("/api/", "/schema", "/healthz", "/readyz", "/metrics")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _validation_errors(exc: ValidationException) -> list[dict[str, str]]:
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            field = str(item.get("key") or item.get("source") or "body")
            errors.append({"field": field, "message": str(item.get("message", "invalid"))})
    return errors or [{"field": "body", "message": str(exc.detail)}]


def error_response(
    request: Request, status: int, detail: str, errors: list[dict[str, str]]
) -> Response[Any]:
    # The id the X-Request-ID header carries too: a person reporting an error can quote it
    # and the operator finds every log line of that request.
    request_id = request_id_for(request.scope)
    if _wants_json(request):
        return Response(
            {"detail": detail, "errors": errors, "request_id": request_id},
            status_code=status,
            media_type=MediaType.JSON,
        )
    return Template(  # type: ignore[return-value]
        template_name="error.html",
        context={"status": status, "detail": detail, "errors": errors, "request_id": request_id},
        status_code=status,
    )


def domain_error_handler(request: Request, exc: DomainError) -> Response[Any]:
    errors = [{"field": e.field, "message": e.message} for e in exc.errors]
    response = error_response(request, exc.status, exc.detail, errors)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def validation_error_handler(request: Request, exc: ValidationException) -> Response[Any]:
    return error_response(request, 400, _("请求内容不正确"), _validation_errors(exc))


def http_error_handler(request: Request, exc: HTTPException) -> Response[Any]:
    if exc.status_code == 401 and not _wants_json(request):
        return Redirect(f"/login?next={quote(request.url.path)}", status_code=303)
    if exc.status_code >= 500:
        log.error("server error", path=redact_path(request.url.path), detail=exc.detail)
    detail = str(exc.detail)
    errors = [{"field": "request", "message": detail}] if exc.status_code < 500 else []
    if exc.status_code < 500 and isinstance(exc.extra, list) and exc.extra:
        errors = _validation_errors(exc)  # type: ignore[arg-type]
    response = error_response(request, exc.status_code, detail, errors)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def internal_error_handler(request: Request, exc: Exception) -> Response[Any]:
    if is_database_unavailable(exc):
        log.error("database unavailable", method=request.method, path=redact_path(request.url.path))
        response = error_response(
            request,
            HTTP_503_SERVICE_UNAVAILABLE,
            _("数据库暂时无法连接，请稍后再试。"),
            [{"field": "database", "message": "the database is unavailable; retry shortly"}],
        )
        response.headers["Retry-After"] = str(DB_RETRY_AFTER_S)
        return response
    log.error(
        "unhandled error",
        method=request.method,
        path=redact_path(request.url.path),
        exc_info=exc,
    )
    return error_response(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        _("服务器内部错误，请稍后再试；如果问题持续，请联系组织方。"),
        [],
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
