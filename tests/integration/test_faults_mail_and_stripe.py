"""SMTP down: the mail waits in the outbox and goes out when the server is back, never
lost. Stripe answering 5xx or timing out: the SDK retries with the same idempotency key."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from service.outbox.tables import OutboxMessage
from tests import factories
from tests.mailsink import MailSink
from tests.pledge_helpers import pledge_body
from tests.stripe_support import config_for, localstripe  # noqa: F401 (fixture)

RELAY = (
    "import asyncio; from tasks.outbox import relay_once; "
    "print(asyncio.run(relay_once(topics=['mail.send'])))"
)
"""Relays the mail only: a pledge also writes live-screen rows, which go out whatever
the SMTP server's state (counted, they would hide whether the mail went)."""


def relay(smtp_url: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", RELAY],
        env={**os.environ, "SMTP_URL": smtp_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


async def mail_row() -> dict:
    return (
        await OutboxMessage.select(
            OutboxMessage.delivered_at, OutboxMessage.attempts, OutboxMessage.last_error
        )
        .where(OutboxMessage.topic == "mail.send")
        .first()
    )


async def test_mail_waits_while_smtp_is_down_and_goes_out_when_it_returns(client):
    event = await factories.event()
    project = await factories.project(event.id)
    created = await client.post("/api/v1/pledges", json=pledge_body(event.number, project, 500))
    assert created.status_code == 201
    sink = MailSink()  # its port, not listening yet: the SMTP server is down
    assert relay(sink.url) == 0
    row = await mail_row()
    assert row["delivered_at"] is None and row["attempts"] == 1 and row["last_error"]
    # Its back-off has passed (OUTBOX_RETRY_BASE_S later), and the server is back.
    await OutboxMessage.update({OutboxMessage.available_at: dt.datetime.now(dt.UTC)}).where(
        OutboxMessage.topic == "mail.send"
    )
    sink.start()
    try:
        assert relay(sink.url) >= 1
        (mail,) = sink.wait_for(1)
        assert mail["To"] == "wang@example.com"
    finally:
        sink.stop()
    assert (await mail_row())["delivered_at"] is not None


class FlakyStripe:
    """A proxy in front of localstripe whose first PaymentIntent creations fail: a 500,
    then a connection dropped without an answer (as a timeout ends); later ones pass."""

    def __init__(self, upstream: str) -> None:
        self.keys: list[str | None] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if method == "POST" and self.path.startswith("/v1/payment_intents"):
                    proxy.keys.append(self.headers.get("idempotency-key"))
                    attempt = len(proxy.keys)
                    if attempt == 1:
                        raw = b'{"error": {"type": "api_error", "message": "boom"}}'
                        self.send_response(500)
                        self.send_header("content-type", "application/json")
                        self.send_header("content-length", str(len(raw)))
                        self.end_headers()
                        self.wfile.write(raw)
                        return
                    if attempt == 2:
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                answer = httpx.request(
                    method, upstream + self.path, content=body, headers=headers, timeout=30
                )
                self.send_response(answer.status_code)
                for name in ("content-type", "request-id"):
                    if name in answer.headers:
                        self.send_header(name, answer.headers[name])
                self.send_header("content-length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def do_GET(self) -> None:
                self._forward("GET")

            def do_POST(self) -> None:
                self._forward("POST")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def flaky_stripe(localstripe, clean_db):  # noqa: F811
    from service.payments import stripe_gateway as gateway

    httpx.delete(f"{localstripe}/_config/data").raise_for_status()
    proxy = FlakyStripe(localstripe)
    gateway.configure(config_for(proxy.url))
    try:
        yield proxy
    finally:
        gateway.configure(None)
        proxy.close()


async def test_stripe_errors_and_dropped_connections_are_retried_with_one_key(flaky_stripe):
    from service.payments import online
    from service.payments.tables import Payment

    event = await factories.event()
    project = await factories.project(event.id)
    pledge = await factories.pledge(event.number, project, 10_000)
    started = await online.start_payment(pledge, "card")
    assert started.client_secret
    assert len(flaky_stripe.keys) == 3
    assert flaky_stripe.keys[0] and len(set(flaky_stripe.keys)) == 1
    assert str(started.payment_id) in flaky_stripe.keys[0]
    assert await Payment.count() == 1
