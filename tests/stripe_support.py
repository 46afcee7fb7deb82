"""Stripe test support: localstripe as a subprocess, a stub for shapes it lacks, and
webhook signing exactly as Stripe signs (HMAC-SHA256 over "<t>.<body>").

Import the fixtures into a test module: `from tests.stripe_support import localstripe, ...`.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.payments import stripe_gateway as gateway
from tests.browser import free_port

FIXTURES = Path(__file__).parent / "fixtures" / "stripe"
WEBHOOK_SECRET = "whsec_minsheng_test_secret"
SECRET_KEY = "sk_test_minsheng"
PUBLISHABLE_KEY = "pk_test_minsheng"


def _wait_for_port(port: int, process: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    """localstripe on a free loopback port for the whole session; its base URL."""
    port = free_port()
    binary = Path(sys.executable).parent / "localstripe"
    process = subprocess.Popen(
        [str(binary), "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def config_for(api_base: str) -> gateway.StripeConfig:
    return gateway.StripeConfig(
        secret_key=SECRET_KEY,
        webhook_secret=WEBHOOK_SECRET,
        api_base=api_base,
        publishable_key=PUBLISHABLE_KEY,
        payment_methods=("card", "alipay"),
        js_url=f"{api_base}/js.stripe.com/v3/",
    )


@pytest.fixture
def stripe_on(localstripe: str, clean_db: str) -> Iterator[str]:
    """The gateway pointed at localstripe (fresh data) for one test; its base URL."""
    httpx.delete(f"{localstripe}/_config/data").raise_for_status()
    gateway.configure(config_for(localstripe))
    try:
        yield localstripe
    finally:
        gateway.configure(None)


def sdk(base: str) -> Any:
    """The official client, for what a test does *as Stripe* (dashboard refunds...)."""
    import stripe

    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": base}, max_network_retries=0)


def card_id(base: str, number: str) -> str:
    """Tokenize a card as Stripe.js does; returns the card id (card_…)."""
    token = sdk(base).v1.tokens.create(
        params={"card": {"number": number, "exp_month": "12", "exp_year": "2030", "cvc": "123"}}
    )
    return token.to_dict()["card"]["id"]


def authenticate(base: str, intent_id: str, client_secret: str, success: bool = True) -> None:
    """The donor completing (or failing) 3-D Secure in the browser."""
    response = httpx.post(
        f"{base}/v1/payment_intents/{intent_id}/_authenticate",
        params={"success": "true" if success else "false"},
        json={"key": PUBLISHABLE_KEY, "client_secret": client_secret},
        timeout=30,
    )
    response.raise_for_status()


# ------------------------------------------------------------------ webhooks


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = timestamp or int(time.time())
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def event(name: str, event_id: str, **object_fields: Any) -> bytes:
    """A documented event shape from tests/fixtures/stripe with its id and object fields
    replaced, serialized as Stripe sends it."""
    body = copy.deepcopy(fixture(name))
    body["id"] = event_id
    body["data"]["object"].update(object_fields)
    return json.dumps(body).encode()


# ------------------------------------------------------------------ stub API


class StripeStub:
    """A loopback HTTP server answering GETs of Stripe objects from documented shapes,
    for what localstripe lacks (Alipay, fees, disputes)."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                object_id = self.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
                found = stub.objects.get(object_id)
                body = found or {"error": {"type": "invalid_request_error", "message": "No such"}}
                raw = json.dumps(body).encode()
                self.send_response(200 if found else 404)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, obj: dict[str, Any]) -> None:
        self.objects[obj["id"]] = obj

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stripe_stub(clean_db: str) -> Iterator[StripeStub]:
    stub = StripeStub()
    gateway.configure(config_for(stub.url))
    try:
        yield stub
    finally:
        gateway.configure(None)
        stub.close()
