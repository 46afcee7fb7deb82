"""Loading the demo editions through the same services the product uses.

Each edition is written in one transaction and skipped when its number exists, so running
the loader twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from service.audit.services import Actor
from service.db import write_transaction
from service.donors.services import DonorDraft, create_donor
from service.donors.tables import Donor
from service.events.services import EventDraft, create_event
from service.events.tables import Event
from service.orgs.tables import Organization
from service.payments.services import OfflinePayment, record_offline_payment
from service.payments.tables import Payment
from service.pledges.services import PledgeDraft, create_pledge
from service.pledges.tables import Pledge
from service.projects.services import BudgetLineDraft, ProjectDraft, create_project
from service.projects.tables import BudgetLine, Project

from .data import DONORS, EVENTS, ORGS, DonorSeed, EventSeed, ProjectSeed
from .money_out import load_money_out

DEMO = Actor("demo loader")
Progress = Callable[[int], None]


def demo_steps() -> int:
    """How many progress steps a full load takes (for a progress bar)."""
    return sum(len(e.projects) + len(e.pledges) for e in EVENTS)


async def _org_ids() -> dict[str, int]:
    ids: dict[str, int] = {}
    for seed in ORGS:
        row = (
            await Organization.select(Organization.id).where(Organization.name == seed.name).first()
        )
        if row is None:
            org = Organization(name=seed.name, kind=seed.kind, uscc=seed.uscc, contact=seed.contact)
            await org.save()
            ids[seed.key] = org.id
        else:
            ids[seed.key] = row["id"]
    return ids


async def _community_id(name: str, orgs: dict[str, int]) -> int:
    row = await Organization.select(Organization.id).where(Organization.name == name).first()
    if row:
        return row["id"]
    org = Organization(name=name, kind=Organization.Kind.community.value)
    await org.save()
    return org.id


async def _donor_id(seed: DonorSeed, known: dict[str, uuid.UUID]) -> uuid.UUID:
    """The donor of a seed, created on first use; matched by name across editions."""
    if seed.key in known:
        return known[seed.key]
    row = (
        await Donor.select(Donor.id)
        .where(
            (Donor.display_name == seed.display_name) & (Donor.receipt_title == seed.receipt_title)
        )
        .first()
    )
    donor_id = (
        row["id"]
        if row
        else await create_donor(
            DonorDraft(
                kind=Donor.Kind(seed.kind),
                display_name=seed.display_name,
                email=seed.email,
                receipt_title=seed.receipt_title,
                uscc=seed.uscc,
                anonymous=seed.anonymous,
            )
        )
    )
    known[seed.key] = donor_id
    return donor_id


async def _create_projects(
    edition: EventSeed, event_id: int, orgs: dict[str, int], advance: Progress
) -> dict[str, int]:
    ids: dict[str, int] = {}
    for seed in edition.projects:
        ids[seed.key] = await create_project(
            _project_draft(seed, event_id, orgs, await _community_id(seed.community, orgs))
        )
        advance(1)
    return ids


def _project_draft(seed: ProjectSeed, event_id: int, orgs: dict[str, int], community_id: int):
    return ProjectDraft(
        owner_org_id=orgs[seed.owner_org],
        community_id=community_id,
        title=seed.title,
        summary=seed.summary,
        category=Project.Category(seed.category),
        beneficiaries=seed.beneficiaries,
        implementer=seed.implementer,
        budget=tuple(
            BudgetLineDraft(line.item, line.amount_fen, BudgetLine.Kind(line.kind))
            for line in seed.budget
        ),
        minimum_fen=seed.minimum_fen,
        event_id=event_id,
        status=Project.Status.published,
    )


async def load_edition(
    edition: EventSeed, orgs: dict[str, int], donors: dict[str, uuid.UUID], advance: Progress
) -> bool:
    """Load one edition; False when it is already there."""
    if await Event.exists().where(Event.number == edition.number):
        return False
    async with write_transaction():
        opens = dt.datetime.combine(edition.pledge_opens, dt.time(0), dt.UTC)
        event_id = await create_event(
            EventDraft(
                number=edition.number,
                title=edition.title,
                summary=edition.summary,
                held_on=edition.held_on,
                venue=edition.venue,
                pledge_opens_at=opens,
                pledge_closes_at=dt.datetime.combine(
                    edition.pledge_closes, dt.time(23, 59), dt.UTC
                ),
                status=Event.Status.live,
                operator_id=orgs[edition.operator] if edition.operator else None,
            )
        )
        projects = await _create_projects(edition, event_id, orgs, advance)
        donor_seeds = {seed.key: seed for seed in DONORS}
        for seed in edition.pledges:
            result = await create_pledge(
                PledgeDraft(
                    event_number=edition.number,
                    project_id=projects[seed.project] if seed.project else None,
                    donor=None,  # type: ignore[arg-type]
                    donor_id=await _donor_id(donor_seeds[seed.donor], donors),
                    amount_fen=seed.amount_fen,
                    channel=Pledge.Channel(seed.channel),
                    due_on=seed.pledged_on + dt.timedelta(days=30),
                ),
                DEMO,
            )
            for paid in seed.payments:
                await record_offline_payment(
                    OfflinePayment(
                        pledge_id=result.pledge_id,
                        provider=Payment.Provider(paid.provider),
                        amount_fen=paid.amount_fen,
                        reference=paid.reference,
                        received_on=paid.paid_on,
                    ),
                    DEMO,
                )
            advance(1)
        await Event.update({Event.status: edition.status}).where(Event.id == event_id)
        for seed in edition.projects:
            await Project.update({Project.status: seed.status}).where(
                Project.id == projects[seed.key]
            )
    return True


async def load_demo(advance: Progress = lambda _: None) -> list[int]:
    """Load every demo edition not yet present; the numbers loaded."""
    async with write_transaction():
        orgs = await _org_ids()
    donors: dict[str, uuid.UUID] = {}
    loaded = []
    for edition in EVENTS:
        if await load_edition(edition, orgs, donors, advance):
            loaded.append(edition.number)
        else:
            advance(len(edition.projects) + len(edition.pledges))
    await load_money_out(5)  # the 5th edition's projects were built: their money went out
    return loaded
