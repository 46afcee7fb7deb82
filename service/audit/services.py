"""Writing the audit log; callers do it inside the transaction of the change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    await AuditLog.insert(
        AuditLog(
            actor=actor.user_id,
            actor_label=actor.label,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            reason=reason,
            data=data or {},
        )
    )
