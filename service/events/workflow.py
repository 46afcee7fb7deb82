"""The edition lifecycle, in one table: each status and the statuses it may move to.

draft → proposals → review → pledging → live → closed → reporting → archived, one step at a
time, except that an edition without an on-stage meeting may close straight from pledging.
"""

from __future__ import annotations

from service.events.tables import Event

Status = Event.Status

NEXT: dict[Status, frozenset[Status]] = {
    Status.draft: frozenset({Status.proposals}),
    Status.proposals: frozenset({Status.review}),
    Status.review: frozenset({Status.pledging}),
    Status.pledging: frozenset({Status.live, Status.closed}),
    Status.live: frozenset({Status.closed}),
    Status.closed: frozenset({Status.reporting}),
    Status.reporting: frozenset({Status.archived}),
    Status.archived: frozenset(),
}

OPEN_FOR_PUBLISHING = frozenset({Status.review, Status.pledging})
"""Editions a project may be published into: the portfolio is set during review and may
still grow while pledges are taken, but not once the meeting is on stage or over."""


def can_move(current: Status, target: Status) -> bool:
    return target in NEXT[current]
