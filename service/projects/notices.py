"""Telling a project's owners about review decisions, by mail through the outbox (written in
the decision's transaction, sent after commit)."""

from __future__ import annotations

import datetime as dt

from service.auth.tables import StaffUser
from service.mail import Mail, queue_mail, render_mail
from service.projects.tables import Project
from service.projects.workflow import Action
from service.settings import get_settings

NOTIFIED = frozenset(
    {Action.approve, Action.reject, Action.request_changes, Action.publish, Action.cancel}
)


async def notify_owners(project_id: int, action: Action, reason: str) -> None:
    """One mail per active owner of the project's organization who has an address."""
    if action not in NOTIFIED:
        return
    project = (
        await Project.select(Project.title, Project.owner_org, Project.event.number)
        .where(Project.id == project_id)
        .first()
    )
    owners = await StaffUser.select(StaffUser.id, StaffUser.email, StaffUser.display_name).where(
        (StaffUser.organization == project["owner_org"])
        & (StaffUser.role == StaffUser.Role.project_owner.value)
        & (StaffUser.active == True)  # noqa: E712
        & StaffUser.email.is_not_null()
    )
    if not owners:
        return
    stamp = dt.datetime.now(dt.UTC).isoformat()
    link = f"{get_settings().base_url}/console/projects/{project_id}"
    for owner in owners:
        subject, text, html = render_mail(
            "project_decision",
            {
                "name": owner["display_name"],
                "title": project["title"],
                "action": action.value,
                "reason": reason,
                "link": link,
            },
        )
        await queue_mail(
            Mail(to=owner["email"], subject=subject, text=text, html=html),
            dedupe_key=f"project:{project_id}:{action.value}:{owner['id']}:{stamp}",
        )
