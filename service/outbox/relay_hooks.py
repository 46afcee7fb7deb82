"""How the services reach the outbox relay without importing the task layer.

Services only write outbox rows (`outbox.services.enqueue`); delivering them is the task
layer's job (tasks/outbox.py). The process wires the two at start-up: the web app
(`service.app.create_app`), the command line (`service.cli.run`) and the Celery worker
(importing tasks.outbox) register the relay's hooks here, and the services call them.
Nothing registered (a bare script): rows wait for the periodic relay.
See docs/architecture.md, "The outbox".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RelayHooks:
    kick: Callable[[], Awaitable[None]]
    """After a transaction that enqueued commits: relay now (a task, or in process)."""
    flush: Callable[[], Awaitable[None]]
    """Before an event loop ends: send a kick that is still waiting for its window."""
    relay_once: Callable[[], Awaitable[int]]
    """Deliver what is due now, in this process; the number delivered."""
    kick_local: Callable[[], Awaitable[None]] | None = None
    """After a commit that wrote rows of a LOCAL_TOPIC: relay those in this process now."""
    load_handlers: Callable[[], None] | None = None
    """Import every topic's handler now rather than on the first relay."""


LOCAL_TOPICS: set[str] = set()
"""Topics the committing web process relays itself, besides kicking the workers
(registered by tasks/live.py: the live screen cannot wait for a worker hop)."""


_hooks: RelayHooks | None = None


def register(hooks: RelayHooks) -> None:
    global _hooks
    _hooks = hooks


def registered() -> RelayHooks | None:
    return _hooks


async def kick() -> None:
    if _hooks is not None:
        await _hooks.kick()


async def kick_local() -> None:
    if _hooks is not None and _hooks.kick_local is not None:
        await _hooks.kick_local()


def load_handlers() -> None:
    if _hooks is not None and _hooks.load_handlers is not None:
        _hooks.load_handlers()


async def flush() -> None:
    if _hooks is not None:
        await _hooks.flush()
