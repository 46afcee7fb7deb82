"""A client generated from /schema/openapi.json by a standard generator
(openapi-python-client) parses every error the API answers into the documented
`ErrorOut {detail, errors: [{field, message}]}` — for every operation."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from litestar.serialization import encode_json

from tests import factories, staff
from tests.pledge_helpers import pledge_body

PACKAGE = "minsheng_generated_client"


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@pytest.fixture(scope="module")
def generated(app, tmp_path_factory) -> Any:
    """The client package, generated into a temporary folder and imported."""
    folder = tmp_path_factory.mktemp("client")
    spec = folder / "openapi.json"
    spec.write_bytes(encode_json(app.openapi_schema.to_schema()))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(spec),
            "--meta",
            "none",
            "--output-path",
            str(folder / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert (folder / PACKAGE / "client.py").exists(), result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))


def operation_module(package: Any, operation_id: str) -> Any:
    root = Path(package.__file__).parent / "api"
    (found,) = root.glob(f"*/{snake(operation_id)}.py")
    return importlib.import_module(f"{PACKAGE}.api.{found.parent.name}.{found.stem}")


def operations(app) -> list[tuple[str, str, dict]]:
    schema = app.openapi_schema.to_schema()
    return [
        (method.upper(), path, op)
        for path, item in schema["paths"].items()
        if path.startswith("/api/")
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def concrete(path: str, op: dict) -> str:
    """The path with every parameter set to a well-formed value that names nothing."""
    for param in op.get("parameters", []):
        if param["in"] != "path":
            continue
        kind = param["schema"].get("format") or param["schema"].get("type")
        value = {"uuid": str(uuid.UUID(int=1)), "integer": "999999"}.get(kind, "nothing")
        path = path.replace("{" + param["name"] + "}", value)
    return path


async def test_every_operations_error_answers_parse_as_error_out(app, client, generated):
    from_generated = importlib.import_module(f"{PACKAGE}.models.error_out")
    api_client = generated.Client(base_url="http://testserver")
    auditor = await staff.make("auditor")
    checked: dict[str, set[int]] = {}
    for method, path, op in operations(app):
        url = concrete(path, op)
        tries = [
            await client.request(method, url, json={} if method != "GET" else None),
            await client.request(method, url, json={"no": "such field"}, headers=auditor.headers),
        ]
        module = operation_module(generated, op["operationId"])
        for response in tries:
            if response.status_code < 400:
                continue
            assert str(response.status_code) in op["responses"], (method, path, response.text)
            parsed = module._parse_response(client=api_client, response=response)
            assert isinstance(parsed, from_generated.ErrorOut), (method, path, response.text)
            assert parsed.detail and isinstance(parsed.errors, list)
            checked.setdefault(op["operationId"], set()).add(response.status_code)
    # Every operation answered at least one error, but public lists that take no
    # required parameter (nothing to refuse) and logout (always succeeds).
    nothing_to_refuse = {
        op["operationId"]
        for method, _path, op in operations(app)
        if method == "GET"
        and "security" not in op
        and not any(p.get("required") for p in op.get("parameters", []))
    } | {"logout"}
    silent = {op["operationId"] for _m, _p, op in operations(app)} - set(checked)
    assert silent <= nothing_to_refuse, sorted(silent - nothing_to_refuse)
    assert len(checked) >= len(operations(app)) - len(nothing_to_refuse)
    statuses = set().union(*checked.values())
    assert {400, 401, 403, 404} <= statuses, statuses


async def test_pledge_errors_reach_the_generated_client_with_their_fields(app, client, generated):
    from_generated = importlib.import_module(f"{PACKAGE}.models.error_out")
    create = operation_module(generated, "createPledge")
    api_client = generated.Client(base_url="http://testserver")
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(10_000,))
    cases = {
        400: await client.post(
            "/api/v1/pledges", json=pledge_body(event.number, project, 100, email="bad")
        ),
        415: await client.post(
            "/api/v1/pledges", content=b"{}", headers={"content-type": "text/plain"}
        ),
        422: await client.post("/api/v1/pledges", json=pledge_body(event.number, project, 20_000)),
    }
    key = {"Idempotency-Key": "same-key-1"}
    await client.post("/api/v1/pledges", json=pledge_body(event.number, project, 100), headers=key)
    cases[409] = await client.post(
        "/api/v1/pledges", json=pledge_body(event.number, project, 200), headers=key
    )
    for status, response in cases.items():
        assert response.status_code == status, response.text
        parsed = create._parse_response(client=api_client, response=response)
        assert isinstance(parsed, from_generated.ErrorOut), status
        assert parsed.errors and parsed.errors[0].field and parsed.errors[0].message
    replay = await client.post(
        "/api/v1/pledges", json=pledge_body(event.number, project, 100), headers=key
    )
    assert replay.status_code == 200
    out = create._parse_response(client=api_client, response=replay)
    assert out.amount_fen == 100
