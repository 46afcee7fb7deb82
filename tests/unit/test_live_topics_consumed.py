"""Every live-screen topic the services write has a consumer: the relay's handler and the
web process's local relay (tasks/live.py)."""

from __future__ import annotations

import re
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[2] / "service"


def test_every_live_topic_written_has_a_handler():
    from service.outbox.relay_hooks import LOCAL_TOPICS
    from tasks import outbox

    outbox.load_handlers()
    written = {
        topic
        for path in SERVICE.rglob("*.py")
        for topic in re.findall(r'"(live\.[a-z_]+)"', path.read_text(encoding="utf-8"))
    }
    assert "live.match_released" in written
    assert written <= set(outbox.HANDLERS), written - set(outbox.HANDLERS)
    assert written <= LOCAL_TOPICS
