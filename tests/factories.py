"""Builders for test data, through the same services the product uses."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass

from service.audit.services import Actor
from service.donors.services import DonorDraft
from service.donors.tables import Donor
from service.events.services import EventDraft, create_event
from service.events.tables import Event
from service.orgs.tables import Organization
from service.payments.services import OfflinePayment, record_offline_payment
from service.payments.tables import Payment
from service.pledges.services import PledgeDraft, create_pledge
from service.projects.services import BudgetLineDraft, ProjectDraft, create_project
from service.projects.tables import Project

TEST_ACTOR = Actor("test")
_counter = itertools.count(1)


async def organization(kind: str = "community", name: str | None = None) -> int:
    org = Organization(name=name or f"测试社区{next(_counter)}", kind=kind)
    await org.save()
    return org.id


@dataclass(frozen=True)
class EventRef:
    id: int
    number: int


async def event(
    number: int | None = None, status: Event.Status = Event.Status.pledging, **kwargs: object
) -> EventRef:
    number = number or 100 + next(_counter)
    event_id = await create_event(
        EventDraft(number=number, title=f"第{number}届", status=status, **kwargs)
    )
    return EventRef(event_id, number)


async def project(
    event_id: int,
    budget_fen: tuple[int, ...] = (500_000, 300_000),
    status: Project.Status = Project.Status.published,
) -> int:
    org = await organization()
    return await create_project(
        ProjectDraft(
            owner_org_id=org,
            community_id=org,
            title=f"项目{next(_counter)}",
            category=Project.Category.elderly_care,
            budget=tuple(
                BudgetLineDraft(f"物品{i}", amount) for i, amount in enumerate(budget_fen)
            ),
            event_id=event_id,
            status=status,
        )
    )


def donor_draft(name: str = "张三", **kwargs: object) -> DonorDraft:
    return DonorDraft(
        kind=Donor.Kind.individual, display_name=name, email="donor@example.com", **kwargs
    )


async def pledge(
    event_number: int, project_id: int | None, amount_fen: int, **kwargs: object
) -> uuid.UUID:
    result = await create_pledge(
        PledgeDraft(
            event_number=event_number,
            project_id=project_id,
            donor=donor_draft(),
            amount_fen=amount_fen,
            **kwargs,
        ),
        TEST_ACTOR,
    )
    return result.pledge_id


async def bank_payment(
    pledge_id: uuid.UUID, amount_fen: int, reference: str | None = None
) -> uuid.UUID:
    return await record_offline_payment(
        OfflinePayment(
            pledge_id=pledge_id,
            provider=Payment.Provider.bank,
            amount_fen=amount_fen,
            reference=reference or f"BANK-{uuid.uuid4().hex[:10]}",
            received_on=dt.date(2026, 11, 1),
        ),
        TEST_ACTOR,
    )
