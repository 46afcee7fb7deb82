"""The project lifecycle: every allowed transition, in one table.

draft → submitted → approved | rejected | changes_requested (sent back; the owner edits and
resubmits) → published (into an open edition) → funded → in_progress → completed; an
organizer may cancel an approved or running project. Anything not listed is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from service.auth.tables import StaffUser
from service.projects.tables import Project

Status = Project.Status
Role = StaffUser.Role


class Action(str, Enum):
    submit = "submit"
    approve = "approve"
    reject = "reject"
    request_changes = "request_changes"
    publish = "publish"
    mark_funded = "mark_funded"
    start = "start"
    complete = "complete"
    cancel = "cancel"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[Status]
    target: Status
    role: Role
    needs_reason: bool = False


TRANSITIONS: dict[Action, Transition] = {
    Action.submit: Transition(
        frozenset({Status.draft, Status.changes_requested}), Status.submitted, Role.project_owner
    ),
    Action.approve: Transition(frozenset({Status.submitted}), Status.approved, Role.organizer),
    Action.reject: Transition(
        frozenset({Status.submitted}), Status.rejected, Role.organizer, needs_reason=True
    ),
    Action.request_changes: Transition(
        frozenset({Status.submitted}), Status.changes_requested, Role.organizer, needs_reason=True
    ),
    Action.publish: Transition(frozenset({Status.approved}), Status.published, Role.organizer),
    Action.mark_funded: Transition(frozenset({Status.published}), Status.funded, Role.organizer),
    Action.start: Transition(
        frozenset({Status.published, Status.funded}), Status.in_progress, Role.organizer
    ),
    Action.complete: Transition(frozenset({Status.in_progress}), Status.completed, Role.organizer),
    Action.cancel: Transition(
        frozenset({Status.approved, Status.published, Status.funded, Status.in_progress}),
        Status.cancelled,
        Role.organizer,
        needs_reason=True,
    ),
}

EDITABLE_BY_OWNER = frozenset({Status.draft, Status.changes_requested})
"""An owner edits a proposal only before it is submitted or after it is sent back."""

EDITABLE_BY_ORGANIZER = frozenset(
    {Status.draft, Status.submitted, Status.changes_requested, Status.approved}
)
"""Once published, the budget (and so the target donors pledged against) is frozen."""


def allowed_actions(status: Status, role: Role) -> list[Action]:
    """The actions `role` may take on a project in `status`, in table order."""
    return [
        action
        for action, rule in TRANSITIONS.items()
        if status in rule.sources and rule.role is role
    ]


def legal_pairs() -> set[tuple[Status, Status]]:
    """Every (from, to) the lifecycle allows; for tests and documentation."""
    return {(source, rule.target) for rule in TRANSITIONS.values() for source in rule.sources}
