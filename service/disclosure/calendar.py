"""The disclosure calendar (慈善组织信息公开办法): which fund-use disclosures a project owes,
and whether each is upcoming, due, overdue or satisfied — on a given day.

- A project runs from its start (its first `started` report, or the day an organizer
  started it) to its completion (the date of its final `completed` report).
- While it runs longer than six months it owes a disclosure every quarter: due six months
  after the start, then every three months, until it completes. A progress report dated
  within the three months up to the due date satisfies it; one dated later, before the
  next due date, satisfies it late.
- After completion it owes the final disclosure within three months: an `accepted`
  report (acceptance and the final account of the money) dated on or after completion.

`schedule()` is a pure function of those dates and the day, so it is tested on a fixed
clock; `calendars()` reads the dates from the database.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from service.audit.tables import AuditLog
from service.clock import local_date
from service.progress.tables import ProgressReport
from service.projects.tables import Project

REMIND_DAYS_BEFORE = 14
"""A disclosure is `due` (and owners and organizers are reminded) this many days ahead."""
FIRST_QUARTERLY_MONTHS = 6
QUARTER_MONTHS = 3
FINAL_MONTHS = 3


@dataclass(frozen=True)
class Disclosure:
    kind: str  # quarterly | final
    period_start: dt.date
    due_on: dt.date
    state: str  # upcoming | due | overdue | satisfied | late
    satisfied_on: dt.date | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.due_on.isoformat()}"

    @property
    def open(self) -> bool:
        return self.state in ("upcoming", "due", "overdue")


@dataclass(frozen=True)
class ProjectCalendar:
    project_id: int
    started_on: dt.date | None
    completed_on: dt.date | None
    disclosures: tuple[Disclosure, ...]

    @property
    def overdue(self) -> list[Disclosure]:
        return [d for d in self.disclosures if d.state == "overdue"]

    @property
    def next_due(self) -> Disclosure | None:
        return next((d for d in self.disclosures if d.open), None)

    @property
    def state(self) -> str:
        """One word for the project: overdue, due, upcoming, satisfied or none."""
        states = {d.state for d in self.disclosures}
        for state in ("overdue", "due", "upcoming"):
            if state in states:
                return state
        return "satisfied" if self.disclosures else "none"


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def _state(
    due_on: dt.date, on_time: Sequence[dt.date], late: Sequence[dt.date], today: dt.date
) -> tuple[str, dt.date | None]:
    if on_time:
        return "satisfied", min(on_time)
    if late:
        return "late", min(late)
    if today > due_on:
        return "overdue", None
    if today >= due_on - dt.timedelta(days=REMIND_DAYS_BEFORE):
        return "due", None
    return "upcoming", None


def schedule(
    started_on: dt.date | None,
    completed_on: dt.date | None,
    reports: Sequence[tuple[dt.date, str]],
    today: dt.date,
) -> tuple[Disclosure, ...]:
    """The disclosures owed on `today`, oldest first; `reports` are (date, status)."""
    if started_on is None:
        return ()
    dates = sorted(day for day, _ in reports if day <= today)
    found: list[Disclosure] = []
    months = FIRST_QUARTERLY_MONTHS
    while True:
        due_on = add_months(started_on, months)
        if completed_on is not None and due_on >= completed_on:
            break  # completed first: the final disclosure takes over
        if completed_on is None and found and found[-1].due_on > today:
            break  # a running project: everything up to the next due date
        start = add_months(started_on, months - QUARTER_MONTHS)
        following = add_months(started_on, months + QUARTER_MONTHS)
        state, when = _state(
            due_on,
            [d for d in dates if start < d <= due_on],
            [d for d in dates if due_on < d <= following],
            today,
        )
        found.append(Disclosure("quarterly", start, due_on, state, when))
        months += QUARTER_MONTHS
    if completed_on is not None:
        due_on = add_months(completed_on, FINAL_MONTHS)
        accepted = sorted(
            day for day, status in reports if status == "accepted" and completed_on <= day <= today
        )
        state, when = _state(
            due_on,
            [d for d in accepted if d <= due_on],
            [d for d in accepted if d > due_on],
            today,
        )
        found.append(Disclosure("final", completed_on, due_on, state, when))
    return tuple(found)


RUNNING = (Project.Status.funded, Project.Status.in_progress, Project.Status.completed)


async def calendars(
    project_ids: Iterable[int], today: dt.date, posted_before: dt.datetime | None = None
) -> dict[int, ProjectCalendar]:
    """Each project's calendar from its reports and its start in the audit log; with
    `posted_before`, as it stood then (reports posted later are left out)."""
    ids = list(project_ids)
    if not ids:
        return {}
    reports: dict[int, list[tuple[dt.date, str]]] = {i: [] for i in ids}
    where = ProgressReport.project.is_in(ids)
    if posted_before is not None:
        where &= ProgressReport.created_at <= posted_before
    for row in await ProgressReport.select(
        ProgressReport.project, ProgressReport.report_date, ProgressReport.status
    ).where(where):
        reports[row["project"]].append((row["report_date"], row["status"]))
    started: dict[int, dt.date] = {}
    for row in await AuditLog.select(AuditLog.object_id, AuditLog.created_at).where(
        (AuditLog.object_type == "project")
        & (AuditLog.action == "project.start")
        & AuditLog.object_id.is_in([str(i) for i in ids])
    ):
        day = local_date(row["created_at"])
        key = int(row["object_id"])
        started[key] = min(day, started.get(key, day))
    statuses = {
        row["id"]: row["status"]
        for row in await Project.select(Project.id, Project.status).where(Project.id.is_in(ids))
    }
    result = {}
    for project_id in ids:
        own = reports[project_id]
        starts = [d for d, s in own if s == "started"]
        if project_id in started:
            starts.append(started[project_id])
        finals = [d for d, s in own if s == "completed"]
        completed_on = (
            max(finals)
            if finals and statuses.get(project_id) == Project.Status.completed.value
            else None
        )
        started_on = min(starts) if starts else None
        if statuses.get(project_id) not in {s.value for s in RUNNING}:
            started_on = None  # cancelled or not yet running: nothing owed
        result[project_id] = ProjectCalendar(
            project_id,
            started_on,
            completed_on,
            schedule(started_on, completed_on, own, today),
        )
    return result
