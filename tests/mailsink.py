"""An aiosmtpd sink on a free port that keeps what it receives (tests only)."""

from __future__ import annotations

import asyncio
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.browser import free_port


class SinkHandler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.hold_first = False
        """Stall the first DATA until `release` is set, then drop it (421): the sender
        never got a 250, so nothing was delivered — as when a worker dies mid-send."""
        self.holding = threading.Event()
        self.release = threading.Event()
        self._held = False

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.hold_first and not self._held:
            self._held = True
            self.holding.set()
            await asyncio.to_thread(self.release.wait)
            return "421 4.3.0 sender went away, message dropped"
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"


class MailSink:
    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def wait_for(self, count: int, timeout: float = 60) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.messages

    def start(self) -> MailSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.handler.release.set()
        self.controller.stop()
