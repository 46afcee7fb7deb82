"""Writing the audit log; callers do it inside the transaction of the change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from piccolo.utils.encoding import dump_json

from service.audit.tables import AuditLog


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user, or a label for donors, webhooks and the system."""

    label: str
    user_id: int | None = None


SYSTEM = Actor("system")


async def record(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    # Plain SQL: nearly every change writes a row here (see outbox.enqueue_many).
    await AuditLog.raw(
        "INSERT INTO audit_log (actor, actor_label, action, object_type, object_id, reason,"
        " data, created_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {})",
        actor.user_id,
        actor.label,
        action,
        object_type,
        str(object_id),
        reason,
        dump_json(data or {}),
        dt.datetime.now(dt.UTC),
    )
