"""Every (from, to) pair of the edition lifecycle, in one pass: legal moves happen and are
audited, all others are refused and change nothing."""

import itertools

import pytest

from service.audit.services import Actor
from service.audit.tables import AuditLog
from service.errors import InvalidInput, NotAllowed
from service.events import editing
from service.events.tables import Event
from service.events.workflow import NEXT
from tests import factories

Status = Event.Status
ACTOR = Actor("organizer:test")


def test_one_step_forward_only():
    order = list(Status)
    for current, targets in NEXT.items():
        for target in targets:
            assert order.index(target) > order.index(current)
    assert NEXT[Status.archived] == frozenset()


async def test_every_pair(clean_db):
    legal = 0
    for number, (current, target) in enumerate(itertools.product(Status, Status), start=1):
        await factories.event(number=number, status=current)
        if target in NEXT[current]:
            assert await editing.move_event(number, target.value, ACTOR) is target
            legal += 1
        else:
            with pytest.raises(NotAllowed):
                await editing.move_event(number, target.value, ACTOR)
        row = await Event.select(Event.status).where(Event.number == number).first()
        assert row["status"] == (target if target in NEXT[current] else current).value
    assert legal == 8
    log = (
        await AuditLog.select(AuditLog.data)
        .where(AuditLog.action == "event.status")
        .output(load_json=True)
    )
    assert len(log) == legal


async def test_unknown_status_is_bad_input(clean_db):
    await factories.event(number=1, status=Status.draft)
    with pytest.raises(InvalidInput):
        await editing.move_event(1, "party", ACTOR)
