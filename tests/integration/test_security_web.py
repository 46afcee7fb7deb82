"""Cross-site writes, body types and security headers."""

from __future__ import annotations

import pytest

from service.pledges.tables import Pledge
from tests import factories
from tests.pledge_helpers import HTML, log_in, pledge_body


@pytest.fixture
async def pledge_id(client):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    response = await client.post("/api/v1/pledges", json=pledge_body(event.number, project, 10_000))
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_cookie_api_write_from_another_site_is_refused(client, pledge_id):
    await log_in(client)
    cancel = f"/api/v1/pledges/{pledge_id}/cancel"
    evil = await client.post(
        cancel,
        content=b'{"reason":"x"}',
        headers={"content-type": "text/plain", "origin": "https://evil.example"},
    )
    assert evil.status_code == 403
    assert evil.json()["errors"]
    cross = await client.post(
        cancel, json={"reason": "x"}, headers={"sec-fetch-site": "cross-site"}
    )
    assert cross.status_code == 403
    assert (await Pledge.select(Pledge.status).first())["status"] == "pledged"
    same = await client.post(cancel, json={"reason": "x"}, headers={"origin": "http://testserver"})
    assert same.status_code == 200, same.text


async def test_text_plain_bodies_are_not_read_as_json(client, pledge_id):
    await log_in(client)
    response = await client.post(
        f"/api/v1/pledges/{pledge_id}/cancel",
        content=b'{"reason":"x"}',
        headers={"content-type": "text/plain", "origin": "http://testserver"},
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["field"] == "content-type"
    assert (await Pledge.select(Pledge.status).first())["status"] == "pledged"


async def test_bearer_token_requests_need_no_origin_proof(client, pledge_id):
    from tests import staff

    organizer = await staff.make("organizer")
    response = await client.post(
        f"/api/v1/pledges/{pledge_id}/cancel",
        json={"reason": "x"},
        headers={**organizer.headers, "origin": "https://tool.example"},
    )
    assert response.status_code == 200, response.text


async def test_security_headers_on_pages_and_no_store_on_private_ones(client, pledge_id):
    home = await client.get("/", headers=HTML)
    csp = home.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self' 'nonce-" in csp
    assert home.headers["x-frame-options"] == "DENY"
    assert home.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in home.headers.get("cache-control", "")
    await log_in(client)
    for path in ("/console", "/console/claims", "/audit"):
        page = await client.get(path, headers=HTML)
        assert page.status_code == 200, path
        assert page.headers["cache-control"] == "no-store", path
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    claims = await client.get("/console/claims", headers=HTML)
    nonce = claims.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in claims.text


async def test_hsts_only_when_served_over_https(database):
    import httpx

    from service.app import create_app
    from service.settings import get_settings

    settings = get_settings()
    from dataclasses import replace

    app = create_app(replace(settings, base_url="https://minsheng.example"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://minsheng.example") as c:
        response = await c.get("/healthz")
    assert "max-age=" in response.headers["strict-transport-security"]
    plain = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=plain), base_url="http://t"
    ) as c:
        assert "strict-transport-security" not in (await c.get("/healthz")).headers


def guarded_page_paths(app) -> list[str]:
    paths = []
    for route in app.routes:
        if route.path.startswith("/api/") or "{" in route.path:
            continue
        for handler in getattr(route, "route_handlers", []):
            if "GET" in handler.http_methods and handler.resolve_guards():
                paths.append(route.path)
    return sorted(set(paths))


@pytest.mark.parametrize("accept", ["*/*", "text/html", ""])
async def test_every_guarded_page_sends_anonymous_visitors_to_the_login(app, client, accept):
    paths = guarded_page_paths(app)
    assert "/console" in paths and "/console/claims" in paths
    for path in paths:
        response = await client.get(path, headers={"accept": accept} if accept else {})
        assert response.status_code == 303, (path, response.status_code)
        assert response.headers["location"] == f"/login?next={path}"


async def test_guarded_pages_answer_401_json_to_clients_asking_for_json(app, client):
    for path in guarded_page_paths(app):
        response = await client.get(path, headers={"accept": "application/json"})
        assert response.status_code == 401, path
        assert response.json()["errors"]


def test_templates_have_no_inline_handlers_and_every_inline_script_a_nonce():
    """The CSP allows scripts from this site and by nonce only: an `onclick="…"` or a
    `<script>` without the nonce would silently stop working."""
    import re
    from pathlib import Path

    problems = []
    for path in (Path(__file__).resolve().parents[2] / "templates").rglob("*.html"):
        html = path.read_text()
        if re.search(r"\son[a-z]+\s*=\s*[\"']", html):
            problems.append(f"{path.name}: inline event handler")
        for tag in re.findall(r"<script\b[^>]*>", html):
            if "src=" in tag or "nonce=" in tag or "application/json" in tag:
                continue
            problems.append(f"{path.name}: {tag}")
    assert not problems, problems
