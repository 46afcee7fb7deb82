"""The disclosure calendar on a fixed clock: a project started on 2026-01-10 owes its first
quarterly disclosure on 2026-07-10 (it has run six months), then every three months; once
completed, the final disclosure within three months. Each is upcoming, then due (owners
and organizers reminded once), then overdue (reminded once more, flagged on the public
page and the console) — or satisfied by a progress report."""

from __future__ import annotations

import datetime as dt
import uuid

from service.disclosure.calendar import add_months, schedule
from service.disclosure.services import board, send_reminders
from service.outbox.tables import OutboxMessage
from service.progress.tables import ProgressReport
from service.projects.tables import Project
from tests import factories, staff

START = dt.date(2026, 1, 10)


def test_schedule_is_a_function_of_the_dates():
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    # Under six months nothing is owed yet, the first due date is known.
    (first,) = schedule(START, None, [(START, "started")], dt.date(2026, 3, 1))
    assert (first.kind, first.due_on, first.state) == (
        "quarterly",
        dt.date(2026, 7, 10),
        "upcoming",
    )
    due = schedule(START, None, [(START, "started")], dt.date(2026, 7, 1))
    assert [d.state for d in due] == ["due"]
    overdue = schedule(START, None, [(START, "started")], dt.date(2026, 7, 11))
    assert [d.state for d in overdue] == ["overdue", "upcoming"]
    reports = [(START, "started"), (dt.date(2026, 6, 30), "milestone")]
    satisfied = schedule(START, None, reports, dt.date(2026, 7, 11))
    assert satisfied[0].state == "satisfied" and satisfied[0].satisfied_on == dt.date(2026, 6, 30)
    late = schedule(
        START, None, [(START, "started"), (dt.date(2026, 7, 20), "milestone")], dt.date(2026, 7, 21)
    )
    assert late[0].state == "late"
    # A project completed within six months owes only the final disclosure.
    short = schedule(START, dt.date(2026, 5, 1), [(START, "started")], dt.date(2026, 8, 2))
    assert [(d.kind, d.due_on, d.state) for d in short] == [
        ("final", dt.date(2026, 8, 1), "overdue")
    ]
    accepted = [(START, "started"), (dt.date(2026, 7, 1), "accepted")]
    done = schedule(START, dt.date(2026, 5, 1), accepted, dt.date(2026, 8, 2))
    assert done[0].state == "satisfied"


async def report(project: int, day: dt.date, status: str) -> None:
    await ProgressReport.insert(
        ProgressReport(
            id=uuid.uuid4(), project=project, report_date=day, status=status, title=status
        )
    )


async def mails() -> list[str]:
    rows = await OutboxMessage.select(OutboxMessage.dedupe_key).where(
        OutboxMessage.topic == "mail.send"
    )
    return sorted(r["dedupe_key"] for r in rows if r["dedupe_key"].startswith("disclosure:"))


async def test_due_reminded_overdue_satisfied(client):
    event = await factories.event()
    project = await factories.project(event.id)
    await Project.update({Project.status: "in_progress"}).where(Project.id == project)
    org = (await Project.select(Project.owner_org).where(Project.id == project).first())[
        "owner_org"
    ]
    owner = await staff.make("project_owner", org, username="owner", email="owner@example.org")
    organizer = await staff.make("organizer", username="org", email="org@example.org")
    await report(project, START, "started")

    assert await send_reminders(dt.date(2026, 6, 20)) == 0  # upcoming: nobody is bothered
    assert (await board(dt.date(2026, 6, 20)))[0].calendar.state == "upcoming"

    # Due: owners and organizers are reminded, once however often the schedule runs.
    assert await send_reminders(dt.date(2026, 7, 1)) == 1
    assert await send_reminders(dt.date(2026, 7, 2)) == 0
    key = f"disclosure:{project}:quarterly:2026-07-10:before"
    assert await mails() == sorted([f"{key}:{organizer.id}", f"{key}:{owner.id}"])

    # Overdue: reminded again, flagged on the console board.
    assert await send_reminders(dt.date(2026, 7, 12)) == 1
    assert len(await mails()) == 4
    (row,) = await board(dt.date(2026, 7, 12))
    assert row.calendar.state == "overdue"
    assert [d.due_on for d in row.calendar.overdue] == [dt.date(2026, 7, 10)]

    # Satisfied (late) by a report; the next quarter's report comes on time.
    await report(project, dt.date(2026, 7, 14), "milestone")
    await report(project, dt.date(2026, 9, 30), "milestone")
    (row,) = await board(dt.date(2026, 10, 11))
    states = [(d.due_on, d.state) for d in row.calendar.disclosures]
    assert states[:2] == [(dt.date(2026, 7, 10), "late"), (dt.date(2026, 10, 10), "satisfied")]
    assert await send_reminders(dt.date(2026, 10, 11)) == 0

    # Completed on 2026-11-20 with its final report: the final disclosure is due by
    # 2027-02-20 and an `accepted` report satisfies it.
    await report(project, dt.date(2026, 11, 20), "completed")
    await Project.update({Project.status: "completed"}).where(Project.id == project)
    (row,) = await board(dt.date(2027, 2, 10))
    assert row.calendar.disclosures[-1].kind == "final"
    assert row.calendar.disclosures[-1].state == "due"
    assert await send_reminders(dt.date(2027, 2, 10)) == 1
    await report(project, dt.date(2027, 2, 15), "accepted")
    (row,) = await board(dt.date(2027, 3, 1))
    assert row.calendar.state == "satisfied"
    assert await send_reminders(dt.date(2027, 3, 1)) == 0

    # The console page and the API show the state; owners see their own projects.
    api = await client.get("/api/v1/console/disclosures", headers=owner.headers)
    assert api.status_code == 200 and api.json()[0]["project_id"] == project
    page = await client.get(
        "/console/disclosures", headers={**organizer.headers, "accept": "text/html"}
    )
    assert page.status_code == 200 and f'data-project="{project}"' in page.text


async def test_overdue_is_flagged_on_the_public_page(client):
    event = await factories.event()
    project = await factories.project(event.id)
    await Project.update({Project.status: "in_progress"}).where(Project.id == project)
    await report(project, dt.date.today() - dt.timedelta(days=400), "started")
    page = await client.get(f"/projects/{project}", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert 'id="disclosure-overdue"' in page.text
    fund_use = (await client.get(f"/api/v1/projects/{project}/fund-use")).json()
    assert fund_use["disclosure_state"] == "overdue"
