"""Every (status, action) pair of the project lifecycle: the legal ones move the project and
write the audit log with actor and reason; every other one is refused and changes nothing."""

import datetime as dt
import itertools
import uuid

import pytest

from service.audit.tables import AuditLog
from service.errors import Forbidden, InvalidInput, NotAllowed
from service.events.tables import Event
from service.progress.tables import ProgressReport
from service.projects import transitions
from service.projects.tables import Project
from service.projects.workflow import TRANSITIONS, Action, legal_pairs
from tests import factories, staff

Status = Project.Status


def test_the_table_is_the_documented_lifecycle():
    assert legal_pairs() == {
        (Status.draft, Status.submitted),
        (Status.changes_requested, Status.submitted),
        (Status.submitted, Status.approved),
        (Status.submitted, Status.rejected),
        (Status.submitted, Status.changes_requested),
        (Status.approved, Status.published),
        (Status.published, Status.funded),
        (Status.published, Status.in_progress),
        (Status.funded, Status.in_progress),
        (Status.in_progress, Status.completed),
        (Status.approved, Status.cancelled),
        (Status.published, Status.cancelled),
        (Status.funded, Status.cancelled),
        (Status.in_progress, Status.cancelled),
    }
    # Terminal states have no way out.
    for terminal in (Status.rejected, Status.completed, Status.cancelled):
        assert not any(terminal in rule.sources for rule in TRANSITIONS.values())


async def _setup(status: Status):
    event = await factories.event(status=Event.Status.pledging)
    project_id = await factories.project(event.id, status=status)
    owner_org = (await Project.select(Project.owner_org).where(Project.id == project_id).first())[
        "owner_org"
    ]
    owner = await staff.make("project_owner", owner_org, username="owner")
    organizer = await staff.make("organizer", username="organizer")
    people = {
        "project_owner": staff.identity(owner, "project_owner"),
        "organizer": staff.identity(organizer, "organizer"),
    }
    return event, project_id, people


@pytest.mark.parametrize(("status", "action"), list(itertools.product(Status, Action)))
async def test_every_status_and_action(clean_db, status, action):
    event, project_id, people = await _setup(status)
    rule = TRANSITIONS[action]
    actor = people[rule.role.value]
    reason = "理由" if rule.needs_reason else ""
    if status in rule.sources:
        if action is Action.complete:  # completion needs the final progress report
            await ProgressReport.insert(
                ProgressReport(
                    id=uuid.uuid4(),
                    project=project_id,
                    report_date=dt.date(2026, 11, 1),
                    status="completed",
                    title="竣工",
                )
            )
        result = await transitions.apply(
            project_id, action, actor, reason=reason, event_number=event.number
        )
        assert result is rule.target
        row = await Project.select(Project.status).where(Project.id == project_id).first()
        assert row["status"] == rule.target.value
        log = (
            await AuditLog.select()
            .where(AuditLog.object_id == str(project_id))
            .output(load_json=True)
        )
        assert len(log) == 1
        assert log[0]["action"] == f"project.{action.value}"
        assert log[0]["actor"] == actor.id
        assert log[0]["reason"] == reason
        assert log[0]["data"]["from"] == status.value
        assert log[0]["data"]["to"] == rule.target.value
    else:
        with pytest.raises(NotAllowed):
            await transitions.apply(
                project_id, action, actor, reason=reason, event_number=event.number
            )
        row = await Project.select(Project.status).where(Project.id == project_id).first()
        assert row["status"] == status.value
        assert await AuditLog.count() == 0


@pytest.mark.parametrize("action", list(Action))
async def test_the_other_role_is_refused(clean_db, action):
    rule = TRANSITIONS[action]
    status = next(iter(rule.sources))
    _event, project_id, people = await _setup(status)
    other = "organizer" if rule.role.value == "project_owner" else "project_owner"
    with pytest.raises(Forbidden):
        await transitions.apply(project_id, action, people[other], reason="理由")
    row = await Project.select(Project.status).where(Project.id == project_id).first()
    assert row["status"] == status.value


@pytest.mark.parametrize("action", [a for a, r in TRANSITIONS.items() if r.needs_reason])
async def test_actions_that_need_a_reason_refuse_without_one(clean_db, action):
    rule = TRANSITIONS[action]
    status = next(iter(rule.sources))
    _event, project_id, people = await _setup(status)
    with pytest.raises(InvalidInput):
        await transitions.apply(project_id, action, people[rule.role.value], reason="  ")
    assert await AuditLog.count() == 0


async def test_concurrent_decisions_one_wins(clean_db):
    """Approve and reject at once: the row lock lets exactly one happen."""
    import asyncio

    _event, project_id, people = await _setup(Status.submitted)
    organizer = people["organizer"]
    results = await asyncio.gather(
        transitions.apply(project_id, Action.approve, organizer),
        transitions.apply(project_id, Action.reject, organizer, reason="重复"),
        return_exceptions=True,
    )
    wins = [r for r in results if isinstance(r, Status)]
    losses = [r for r in results if isinstance(r, NotAllowed)]
    assert len(wins) == 1 and len(losses) == 1, results
    row = await Project.select(Project.status).where(Project.id == project_id).first()
    assert row["status"] == wins[0].value
    assert await AuditLog.count() == 1
