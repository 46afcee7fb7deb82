"""The disclosure board (every project's disclosure state) and the reminders before and
after a disclosure's due date, mailed to the project's owners and to organizers.

Each reminder stage of each disclosure is a DisclosureReminder row (unique key) plus
outbox mails in one transaction, so overlapping schedule runs send it once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from service.auth.recipients import organizer_addresses
from service.auth.records import StaffAddress
from service.auth.services import StaffIdentity
from service.auth.tables import StaffUser
from service.db import is_unique_violation, write_transaction
from service.disclosure.calendar import RUNNING, Disclosure, ProjectCalendar, calendars
from service.disclosure.tables import DisclosureReminder
from service.mail import Mail, queue_mail, render_mail
from service.projects.tables import Project
from service.settings import get_settings


@dataclass(frozen=True)
class BoardRow:
    project_id: int
    title: str
    event_number: int | None
    status: str
    owner_org: int
    calendar: ProjectCalendar


async def board(
    today: dt.date, staff: StaffIdentity | None = None, event_number: int | None = None
) -> list[BoardRow]:
    """Every running or completed project's calendar; owners see their own."""
    where = Project.status.is_in([s.value for s in RUNNING])
    if staff is not None and staff.role is StaffUser.Role.project_owner:
        where &= Project.owner_org == staff.organization_id
    if event_number is not None:
        where &= Project.event.number == event_number
    rows = (
        await Project.select(
            Project.id,
            Project.title,
            Project.status,
            Project.owner_org,
            Project.event.number.as_alias("event_number"),
        )
        .where(where)
        .order_by(Project.id)
    )
    found = await calendars([row["id"] for row in rows], today)
    order = {"overdue": 0, "due": 1, "upcoming": 2, "satisfied": 3, "none": 4}
    result = [
        BoardRow(
            row["id"],
            row["title"],
            row["event_number"],
            row["status"],
            row["owner_org"],
            found[row["id"]],
        )
        for row in rows
    ]
    return sorted(result, key=lambda r: (order[r.calendar.state], r.project_id))


async def _owner_addresses(org_id: int) -> list[StaffAddress]:
    return await StaffUser.select(StaffUser.id, StaffUser.email).where(
        (StaffUser.organization == org_id)
        & (StaffUser.role == StaffUser.Role.project_owner.value)
        & (StaffUser.active == True)  # noqa: E712
        & StaffUser.email.is_not_null()
    )


def _stage(disclosure: Disclosure) -> str | None:
    if disclosure.state == "due":
        return "before"
    if disclosure.state == "overdue":
        return "after"
    return None


async def send_reminders(today: dt.date) -> int:
    """Queue the reminders due on `today` (one per stage per disclosure); returns how many
    disclosures were reminded."""
    organizers = await organizer_addresses()
    reminded = 0
    for row in await board(today):
        for disclosure in row.calendar.disclosures:
            stage = _stage(disclosure)
            if stage is None:
                continue
            key = f"{row.project_id}:{disclosure.key}:{stage}"
            if await DisclosureReminder.exists().where(DisclosureReminder.key == key):
                continue
            recipients = [*await _owner_addresses(row.owner_org), *organizers]
            try:
                await _remind(row, disclosure, stage, key, recipients, today)
            except Exception as exc:
                if not is_unique_violation(exc):
                    raise  # another run sent this very reminder: fine
                continue
            reminded += 1
    return reminded


async def _remind(
    row: BoardRow,
    disclosure: Disclosure,
    stage: str,
    key: str,
    recipients: list[StaffAddress],
    today: dt.date,
) -> None:
    context = {
        "project_title": row.title,
        "project_url": f"{get_settings().base_url}/console/projects/{row.project_id}",
        "kind": disclosure.kind,
        "due_on": disclosure.due_on.isoformat(),
        "overdue": stage == "after",
        "days": abs((disclosure.due_on - today).days),
    }
    subject, text, html = render_mail("disclosure_reminder", context)
    async with write_transaction():
        await DisclosureReminder.insert(
            DisclosureReminder(
                key=key, project=row.project_id, due_on=disclosure.due_on, stage=stage
            )
        )
        for recipient in {r["email"]: r for r in recipients}.values():
            await queue_mail(
                Mail(to=recipient["email"], subject=subject, text=text, html=html),
                dedupe_key=f"disclosure:{key}:{recipient['id']}",
            )
