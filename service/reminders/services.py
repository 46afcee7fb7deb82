"""Reminding donors of pledges coming due or overdue, and the organizers' daily digest.

A pledge gets its first reminder `reminder_days_before` days before it is due, then at
most one every `reminder_interval_days`, never more than `reminder_max` in all. Reminders
stop as soon as the pledge is paid (or cancelled), and a donor who opted out gets none.
Each reminder is a PledgeReminder row plus an outbox mail in one transaction; the row's
unique (pledge, sequence) makes two overlapping runs send it once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from service.auth.recipients import organizer_addresses
from service.db import is_unique_violation, write_transaction
from service.locks import lock_row
from service.mail import Mail, queue_mail, render_mail
from service.pledges.money import outstanding as money_outstanding
from service.pledges.money import paid_fen, unpaid_pledges
from service.pledges.tables import Pledge
from service.reminders.records import ReminderCandidate
from service.reminders.tables import PledgeReminder
from service.settings import Settings


@dataclass(frozen=True)
class ReminderPolicy:
    days_before: int
    interval_days: int
    max_reminders: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ReminderPolicy:
        return cls(
            settings.reminder_days_before,
            settings.reminder_interval_days,
            settings.reminder_max,
        )


async def _candidates(today: dt.date, policy: ReminderPolicy) -> list[ReminderCandidate]:
    horizon = today + dt.timedelta(days=policy.days_before)
    pledges = await unpaid_pledges(
        Pledge.due_on.is_not_null()
        & (Pledge.due_on <= horizon)
        & (Pledge.donor.reminders_opt_out == False)  # noqa: E712
        & Pledge.donor.email.is_not_null(),
        order_by=Pledge.due_on,
    )
    return [
        {
            "id": p.id,
            "amount_fen": p.amount_fen,
            "due_on": p.due_on,
            "event_title": p.event_title,
            "project_title": p.project_title,
            "donor_name": p.donor_name,
            "email": p.email,
        }
        for p in pledges
    ]


async def _history(pledge_id: uuid.UUID) -> tuple[int, dt.date | None]:
    rows = await PledgeReminder.select(PledgeReminder.sequence, PledgeReminder.sent_on).where(
        PledgeReminder.pledge == pledge_id
    )
    if not rows:
        return 0, None
    return max(r["sequence"] for r in rows), max(r["sent_on"] for r in rows)


def is_due(today: dt.date, sent: int, last_sent: dt.date | None, policy: ReminderPolicy) -> bool:
    if sent >= policy.max_reminders:
        return False
    return last_sent is None or (today - last_sent).days >= policy.interval_days


async def send_due_reminders(today: dt.date, policy: ReminderPolicy) -> int:
    """Queue the reminders due on `today`; returns how many were queued."""
    queued = 0
    for pledge in await _candidates(today, policy):
        sent, last_sent = await _history(pledge["id"])
        if not is_due(today, sent, last_sent, policy):
            continue
        try:
            if await _remind(pledge, sent + 1, today):
                queued += 1
        except Exception as exc:
            if not is_unique_violation(exc):
                raise  # another run sent this very reminder: fine, anything else is not
    return queued


async def _remind(pledge: ReminderCandidate, sequence: int, today: dt.date) -> bool:
    async with write_transaction():
        await lock_row(Pledge, pledge["id"])
        status = (await Pledge.select(Pledge.status).where(Pledge.id == pledge["id"]).first())[
            "status"
        ]
        # paid or cancelled since the candidates were read: nothing is owed any more
        outstanding = money_outstanding(pledge["amount_fen"], await paid_fen(pledge["id"]), status)
        if outstanding <= 0:
            return False
        kind = (
            PledgeReminder.Kind.overdue
            if today > pledge["due_on"]
            else PledgeReminder.Kind.due_soon
        )
        await PledgeReminder.insert(
            PledgeReminder(
                pledge=pledge["id"],
                sequence=sequence,
                kind=kind.value,
                sent_on=today,
                outstanding_fen=outstanding,
            )
        )
        context = {
            "pledge": pledge,
            "outstanding_fen": outstanding,
            "overdue": kind is PledgeReminder.Kind.overdue,
            "days": abs((pledge["due_on"] - today).days),
            "sequence": sequence,
        }
        subject, text, html = render_mail("pledge_reminder", context)
        await queue_mail(
            Mail(to=pledge["email"], subject=subject, text=text, html=html),
            dedupe_key=f"reminder:{pledge['id']}:{sequence}",
        )
    return True


@dataclass(frozen=True)
class OutstandingLine:
    event_title: str
    project_title: str
    donor_name: str
    amount_fen: int
    outstanding_fen: int
    due_on: dt.date | None
    overdue: bool
    reminders: int


async def outstanding(today: dt.date) -> list[OutstandingLine]:
    """Every pledge still owed, most overdue first."""
    lines = []
    for p in await unpaid_pledges(order_by=Pledge.due_on):
        sent, _ = await _history(p.id)
        lines.append(
            OutstandingLine(
                event_title=p.event_title,
                project_title=p.project_title or "通用基金",
                donor_name=p.donor_name,
                amount_fen=p.amount_fen,
                outstanding_fen=p.outstanding_fen,
                due_on=p.due_on,
                overdue=p.overdue(today),
                reminders=sent,
            )
        )
    return lines


async def send_digest(today: dt.date) -> int:
    """Mail every active organizer with an address what is outstanding; once a day each."""
    lines = await outstanding(today)
    organizers = await organizer_addresses()
    if not organizers:
        return 0
    context = {
        "today": today,
        "lines": lines,
        "total_fen": sum(line.outstanding_fen for line in lines),
        "overdue_fen": sum(line.outstanding_fen for line in lines if line.overdue),
        "overdue_count": sum(1 for line in lines if line.overdue),
    }
    subject, text, html = render_mail("organizer_digest", context)
    async with write_transaction():
        for organizer in organizers:
            await queue_mail(
                Mail(to=organizer["email"], subject=subject, text=text, html=html),
                dedupe_key=f"digest:{today.isoformat()}:{organizer['id']}",
            )
    return len(organizers)
