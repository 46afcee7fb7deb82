"""The authorization matrix: every route of the app × anonymous and every staff role.

Routes are enumerated from the app itself, so a route added anywhere is covered at once:
it must either be on the explicit public allow-list below or carry exactly one named guard
from GUARD_POLICY. Then anonymous callers get 401, roles the guard does not admit get 403,
and roles it admits get past it (anything but 401/403).
"""

from __future__ import annotations

import re
import uuid

import pytest

from tests import factories, staff

ROLES = ("organizer", "project_owner", "auditor")

GUARD_POLICY: dict[str, set[str]] = {
    "requires_staff": {"organizer", "project_owner", "auditor"},
    "requires_organizer": {"organizer"},
    "requires_project_owner": {"project_owner"},
    "requires_owner_or_organizer": {"project_owner", "organizer"},
    "requires_financial_reader": {"auditor", "organizer"},
}
"""Whom each named guard admits: the policy, stated independently of the guards' code."""

PUBLIC: set[tuple[str, str]] = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/static/{file_path:path}"),
    ("HEAD", "/static/{file_path:path}"),
    ("GET", "/"),
    ("GET", "/events/{number:int}"),
    ("GET", "/projects/{project_id:int}"),
    ("GET", "/covers/{name:str}"),
    # Evidence marked public, of paid disbursements, by its random stored name.
    ("GET", "/evidence/{name:str}"),
    # Progress photos, public like the reports they illustrate.
    ("GET", "/photos/{name:str}"),
    # Transparency reports are published for everyone.
    ("GET", "/transparency"),
    ("GET", "/transparency/{report_id:uuid}"),
    ("GET", "/transparency/{report_id:uuid}/pdf"),
    ("GET", "/api/v1/transparency-reports"),
    ("GET", "/api/v1/transparency-reports/{report_id:uuid}"),
    ("GET", "/api/v1/events"),
    ("GET", "/api/v1/events/{number:int}"),
    ("GET", "/api/v1/events/{number:int}/projects"),
    ("GET", "/api/v1/projects/{project_id:int}"),
    ("GET", "/api/v1/projects/{project_id:int}/fund-use"),
    ("POST", "/api/v1/pledges"),
    ("GET", "/api/v1/pledges/{pledge_id:uuid}"),
    ("GET", "/api/v1/ledger/balances"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/schema"),
    ("GET", "/schema/{path:str}"),
    ("GET", "/schema/openapi.json"),
    ("GET", "/schema/swagger"),
    ("GET", "/schema/scalar"),
    ("GET", "/schema/oauth2-redirect.html"),
    # Donors have no accounts: a pledge's random id, or a signed revocable token, is the key.
    ("POST", "/projects/{project_id:int}/pledge"),
    ("GET", "/donor/{token:str}"),
    ("GET", "/pledges/{pledge_id:uuid}/pay"),
    ("GET", "/pledges/{pledge_id:uuid}/pay/done"),
    ("POST", "/api/v1/pledges/{pledge_id:uuid}/payments"),
    # Re-reads the payment from Stripe and settles it; idempotent, reveals only its status.
    ("POST", "/api/v1/payments/{payment_id:uuid}/sync"),
    # Anyone holding a receipt checks it: number + printed code → valid or void.
    ("GET", "/receipts/verify"),
    # Authenticated by Stripe's signature, not by a user.
    ("POST", "/api/v1/webhooks/stripe"),
    # Prometheus: open outside production only; in production a bearer METRICS_TOKEN or an
    # organizer's or auditor's login (tests/integration/test_metrics.py).
    ("GET", "/metrics"),
    # The meeting's projector and phone pages and their SSE stream: public figures only.
    ("GET", "/events/{number:int}/live"),
    ("GET", "/events/{number:int}/live/phone"),
    ("GET", "/api/v1/events/{number:int}/live"),
}
"""Routes anyone may call. Adding one here is a decision: say why in review."""

MOUNTS: set[str] = set()
"""Mounted ASGI apps with a login of their own: none (Piccolo Admin was removed; README)."""

PARAMETER = re.compile(r"\{(\w+):(\w+)\}")
SAMPLES = {"int": "1", "str": "x", "path": "x", "uuid": str(uuid.UUID(int=1))}


OVERRIDES = {"/api/v1/auth/tokens/{token_id:int}": "/api/v1/auth/tokens/999999"}
"""Token 1 is the organizer's own: revoking it would log the matrix out half-way."""


def concrete(path: str) -> str:
    return OVERRIDES.get(path) or PARAMETER.sub(lambda m: SAMPLES[m.group(2)], path)


def app_routes(app) -> list[tuple[str, str, list[str]]]:
    """(method, path template, guard names) for every HTTP handler except OPTIONS."""
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods:
                if method == "OPTIONS":
                    continue
                guards = [g.__name__ for g in handler.resolve_guards()]
                found.append((method, route.path, guards))
    return sorted(found)


def test_mounted_apps_are_only_the_known_ones(app):
    from litestar.routes import ASGIRoute

    assert {r.path for r in app.routes if isinstance(r, ASGIRoute)} == MOUNTS


def test_every_route_is_public_or_has_one_named_guard(app):
    problems = []
    for method, path, guards in app_routes(app):
        if (method, path) in PUBLIC:
            if guards:
                problems.append(f"{method} {path}: on the public list but guarded by {guards}")
            continue
        if len(guards) != 1 or guards[0] not in GUARD_POLICY:
            problems.append(f"{method} {path}: needs one named guard from GUARD_POLICY: {guards}")
    assert not problems, "\n".join(problems)


async def test_the_matrix(client, app):
    org = await factories.organization("social_org")
    people = {
        "organizer": await staff.make("organizer"),
        "project_owner": await staff.make("project_owner", org),
        "auditor": await staff.make("auditor"),
    }
    await client.get("/login", headers={"accept": "text/html"})  # the CSRF cookie
    csrf = client.cookies.get("minsheng_csrf", "")
    problems = []
    checked = 0
    for method, path, guards in app_routes(app):
        if (method, path) in PUBLIC:
            continue
        allowed = GUARD_POLICY[guards[0]]
        url = concrete(path)
        base = {"accept": "application/json", "x-csrftoken": csrf}
        for who in (None, *ROLES):
            headers = dict(base)
            if who:
                headers.update(people[who].headers)
            response = await client.request(method, url, headers=headers, json={})
            status = response.status_code
            checked += 1
            if who is None:
                ok = status == 401
            elif who in allowed:
                ok = status not in (401, 403) and status < 500
            else:
                ok = status == 403
            if not ok:
                problems.append(f"{method} {path} as {who or 'anonymous'}: {status}")
    assert checked >= 4 * 30
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ["/console/projects", "/console/projects/new", "/console/events"])
async def test_page_routes_send_anonymous_browsers_to_login(client, path):
    response = await client.get(path, headers={"accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"
