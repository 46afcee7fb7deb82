"""Applying a lifecycle action to a project: checked against workflow.TRANSITIONS, done
under a row lock, and written to the audit log with its actor and reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from service.audit.services import record
from service.auth.services import StaffIdentity
from service.auth.tables import StaffUser
from service.db import write_transaction
from service.disbursements.cancellation import ensure_nothing_held, release_open_pledges
from service.errors import Forbidden, InvalidInput, NotAllowed, NotFound
from service.events.tables import Event
from service.events.workflow import OPEN_FOR_PUBLISHING
from service.i18n import gettext as _
from service.locks import lock_row
from service.progress.services import require_final_report
from service.projects.notices import notify_owners
from service.projects.tables import Project
from service.projects.workflow import TRANSITIONS, Action

Status = Project.Status
MAX_REASON = 2000


async def apply(
    project_id: int,
    action: Action,
    staff: StaffIdentity,
    *,
    reason: str = "",
    event_number: int | None = None,
) -> Status:
    """Move the project by `action`, or refuse: 403 for the wrong role, 404 for a project
    the caller may not see, 422 when the current status does not allow it."""
    rule = TRANSITIONS[action]
    reason = reason.strip()
    if staff.role is not rule.role:
        raise Forbidden.on("role", _("你的角色不能执行这个操作。"))
    if rule.needs_reason and not reason:
        raise InvalidInput.on("reason", _("请填写原因。"))
    if len(reason) > MAX_REASON:
        raise InvalidInput.on("reason", _("不能超过%(n)s个字符。") % {"n": MAX_REASON})
    async with write_transaction():
        await lock_row(Project, project_id)
        row = (
            await Project.select(Project.status, Project.owner_org, Project.event)
            .where(Project.id == project_id)
            .first()
        )
        if row is None or (
            staff.role is StaffUser.Role.project_owner and row["owner_org"] != staff.organization_id
        ):
            raise NotFound.on("id", _("没有这个项目，或你无权查看。"))
        current = Status(row["status"])
        if current not in rule.sources:
            raise NotAllowed.on(
                "status",
                _("状态为“%(status)s”的项目不能执行“%(action)s”。")
                % {"status": current.value, "action": action.value},
            )
        if action is Action.complete:
            await require_final_report(project_id)
        if action is Action.cancel:
            await ensure_nothing_held(project_id)
        changes: dict[Any, Any] = {Project.status: rule.target.value}
        if rule.needs_reason and action in (Action.reject, Action.request_changes):
            changes[Project.review_note] = reason
        if action is Action.submit:
            changes[Project.review_note] = ""
        data: dict[str, Any] = {"from": current.value, "to": rule.target.value}
        if action is Action.publish:
            event_id = await _open_event(event_number, row["event"])
            changes[Project.event] = event_id
            changes[Project.published_at] = dt.datetime.now(dt.UTC)
            data["event_id"] = event_id
        await Project.update(changes).where(Project.id == project_id)
        await record(
            staff.actor, f"project.{action.value}", "project", project_id, reason=reason, data=data
        )
        if action is Action.cancel:
            await release_open_pledges(project_id, reason, staff)
        await notify_owners(project_id, action, reason)
    return rule.target


async def _open_event(event_number: int | None, proposed_event_id: int | None) -> int:
    """The edition to publish into (the one named, else the one proposed for), which must
    be open for publishing."""
    if event_number is not None:
        where = Event.number == event_number
    elif proposed_event_id is not None:
        where = Event.id == proposed_event_id
    else:
        raise InvalidInput.on("event", _("请选择要发布到的众筹会。"))
    found = await Event.select(Event.id).where(where).first()
    if found is None:
        raise InvalidInput.on("event", _("没有这一届众筹会。"))
    await lock_row(Event, found["id"])
    event = await Event.select(Event.id, Event.status).where(Event.id == found["id"]).first()
    if Event.Status(event["status"]) not in OPEN_FOR_PUBLISHING:
        raise NotAllowed.on("event", _("这一届众筹会当前不接受发布项目。"))
    return event["id"]
