"""Loading the demo editions through the same services the product uses.

Each edition is written in one transaction and skipped when its number exists, so running
the loader twice changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable

from service import clock
from service.audit.services import Actor
from service.clock import SHANGHAI, today
from service.db import write_transaction
from service.donors.services import DonorDraft, create_donor
from service.donors.tables import Donor
from service.events.services import EventDraft, create_event
from service.events.tables import Event
from service.matching.drafts import PoolDraft
from service.matching.pools import create_pool
from service.orgs.tables import Organization
from service.payments.services import OfflinePayment, record_offline_payment
from service.payments.tables import Payment
from service.pledges.services import PledgeDraft, create_pledge
from service.pledges.tables import Pledge
from service.projects.services import BudgetLineDraft, ProjectDraft, create_project
from service.projects.tables import BudgetLine, Project
from service.receipts.services import issue_receipt
from service.statements.demo import load_statement_demo
from service.tracking.services import snapshot_event

from .data import (
    DONORS,
    EVENTS,
    MATCHING_POOLS,
    ORGS,
    DonorSeed,
    EventSeed,
    PaymentSeed,
    PledgeSeed,
    PoolSeed,
    ProjectSeed,
)
from .money_out import Step, load_money_out, payouts, plan_money_out

DEMO = Actor("demo loader")
Progress = Callable[[int], None]


def event_steps(event: EventSeed) -> int:
    """Progress steps of one event: its projects, pledges and payouts."""
    return len(event.projects) + len(event.pledges) + payouts(event)


def demo_steps() -> int:
    """How many progress steps a full load takes (for a progress bar)."""
    return sum(event_steps(e) for e in EVENTS)


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


async def _create_pool(
    seed: PoolSeed, event: EventSeed, event_id: int, projects: dict[str, int]
) -> None:
    row = (
        await Organization.select(Organization.id).where(Organization.name == seed.sponsor).first()
    )
    if row is None:
        org = Organization(
            name=seed.sponsor, kind=Organization.Kind.enterprise.value, uscc=seed.sponsor_uscc
        )
        await org.save()
        sponsor = org.id
    else:
        sponsor = row["id"]
    eligible = tuple(projects[p.key] for p in event.projects if p.category == seed.category)
    await create_pool(
        PoolDraft(
            event_id=event_id,
            sponsor_org_id=sponsor,
            name=seed.name,
            total_fen=seed.total_fen,
            ratio_numerator=seed.ratio[0],
            ratio_denominator=seed.ratio[1],
            cap_per_gift_fen=seed.cap_per_gift_fen,
            eligible_project_ids=eligible,
        ),
        DEMO,
        funded_at=_local(event.pledge_opens, PLEDGE_TIME),  # paid in as pledging opened
    )


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
    if row is None and seed.email:
        # The demo's donors followed the link in their confirmation mail: their online
        # pledges keep their share of the target (README, "Holding capacity").
        await Donor.update({Donor.contact_confirmed_at: clock.now()}).where(Donor.id == donor_id)
    known[seed.key] = donor_id
    return donor_id


async def _create_projects(
    event: EventSeed, event_id: int, orgs: dict[str, int], advance: Progress
) -> dict[str, int]:
    ids: dict[str, int] = {}
    for seed in event.projects:
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


# The edition's own calendar, in Asia/Shanghai: projects published the morning pledging
# opens; on-stage claims during the meeting's afternoon, other pledges in the morning of
# their day; bank and cash payments settle at 20:00 of the day received (service.payments);
# a receipt is issued the next morning; the funding picture is taken at the close of every
# day something moved.
PUBLISH_TIME = dt.time(9, 0)
CLAIM_TIME = dt.time(15, 0)
PLEDGE_TIME = dt.time(10, 0)
RECEIPT_DELAY = dt.timedelta(days=1, hours=-10)  # 20:00 settlement + 14 h = 10:00 next day
SNAPSHOT_TIME = dt.time(23, 59)


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, SHANGHAI).astimezone(dt.UTC)


def pledge_moment(seed: PledgeSeed) -> dt.datetime:
    """When a demo pledge was made, on the edition's calendar."""
    return _local(seed.pledged_on, CLAIM_TIME if seed.channel == "on_stage" else PLEDGE_TIME)


def settlement_moment(paid: PaymentSeed) -> dt.datetime:
    """When a demo payment settled (service.payments dates offline money at 12:00 UTC)."""
    return dt.datetime.combine(paid.paid_on, dt.time(12), dt.UTC)


def _activity_days(event: EventSeed) -> set[dt.date]:
    days = {seed.pledged_on for seed in event.pledges}
    return days | {paid.paid_on for seed in event.pledges for paid in seed.payments}


def snapshot_moments(event: EventSeed, now: dt.datetime | None = None) -> list[dt.datetime]:
    """The close of every day of the edition on which a pledge or a payment was made (today's
    picture is taken now, not at a close still to come)."""
    now = now or dt.datetime.now(dt.UTC)
    return [min(_local(day, SNAPSHOT_TIME), now) for day in sorted(_activity_days(event))]


OPEN_STATUSES = ("pledging", "live")


def on_todays_calendar(event: EventSeed, today: dt.date) -> EventSeed:
    """An edition still open for pledges is shifted, every date by the same number of days,
    so that its latest pledge or payment falls yesterday (all of it is past, settled at
    20:00 included): its meeting, due dates and close are then as near as the seed tells
    them, and nothing lapses the day the demo starts. Closed editions keep their
    historical dates."""
    if event.status not in OPEN_STATUSES or not event.pledges:
        return event
    shift = today - dt.timedelta(days=1) - max(_activity_days(event))

    def moved(day: dt.date) -> dt.date:
        return day + shift

    return dataclasses.replace(
        event,
        held_on=moved(event.held_on),
        pledge_opens=moved(event.pledge_opens),
        pledge_closes=moved(event.pledge_closes),
        pledges=tuple(
            dataclasses.replace(
                seed,
                pledged_on=moved(seed.pledged_on),
                payments=tuple(
                    dataclasses.replace(paid, paid_on=moved(paid.paid_on)) for paid in seed.payments
                ),
            )
            for seed in event.pledges
        ),
    )


async def _record_pledge(
    event: EventSeed,
    seed: PledgeSeed,
    projects: dict[str, int],
    donors: dict[str, uuid.UUID],
) -> uuid.UUID:
    donor_seeds = {donor.key: donor for donor in DONORS}
    result = await create_pledge(
        PledgeDraft(
            event_number=event.number,
            project_id=projects[seed.project] if seed.project else None,
            donor=None,  # type: ignore[arg-type]
            donor_id=await _donor_id(donor_seeds[seed.donor], donors),
            amount_fen=seed.amount_fen,
            channel=Pledge.Channel(seed.channel),
            due_on=seed.pledged_on + dt.timedelta(days=30),
        ),
        DEMO,
        at=pledge_moment(seed),
    )
    return result.pledge_id


async def _record_history(
    event: EventSeed,
    projects: dict[str, int],
    donors: dict[str, uuid.UUID],
    advance: Progress,
) -> None:
    """Every dated step of the edition in the order it happened, so the journal's sequence
    and its dates tell the same story: pledges, payments (their matches with them), the
    receipts of the next morning, the funding picture at the close of each day money came
    in, and the money out of its built projects (service/demo/money_out.py) with their
    progress reports and disclosures."""
    event_id = (await Event.select(Event.id).where(Event.number == event.number).first())["id"]
    pledge_ids: dict[str, uuid.UUID] = {}
    payment_ids: dict[str, uuid.UUID] = {}

    def pledge(seed: PledgeSeed) -> Step:
        async def step() -> None:
            pledge_ids[seed.key] = await _record_pledge(event, seed, projects, donors)
            advance(1)

        return step

    def payment(seed: PledgeSeed, paid: PaymentSeed) -> Step:
        async def step() -> None:
            payment_ids[paid.reference] = await record_offline_payment(
                OfflinePayment(
                    pledge_id=pledge_ids[seed.key],
                    provider=Payment.Provider(paid.provider),
                    amount_fen=paid.amount_fen,
                    reference=paid.reference,
                    received_on=paid.paid_on,
                ),
                DEMO,
            )

        return step

    def receipt(paid: PaymentSeed, issued_at: dt.datetime) -> Step:
        async def step() -> None:  # numbered in the order they were issued
            await issue_receipt(payment_ids[paid.reference], DEMO, issued_at=issued_at)

        return step

    def snapshot(moment: dt.datetime) -> Step:
        async def step() -> None:
            await snapshot_event(event_id, moment, as_of=True)

        return step

    # (moment, rank within the same moment, position in the seed, step)
    timeline: list[tuple[dt.datetime, int, int, Step]] = []
    for index, seed in enumerate(event.pledges):
        timeline.append((pledge_moment(seed), 0, index, pledge(seed)))
        for paid in seed.payments:
            settled = settlement_moment(paid)
            timeline.append((settled, 1, index, payment(seed, paid)))
            issued = settled + RECEIPT_DELAY
            timeline.append((issued, 2, index, receipt(paid, issued)))
    money_out = await plan_money_out(event, projects, advance)
    timeline.extend((moment, 3, index, step) for index, (moment, step) in enumerate(money_out))
    timeline.extend((moment, 4, 0, snapshot(moment)) for moment in snapshot_moments(event))
    timeline.sort(key=lambda item: item[:3])
    for _moment, _rank, _index, step in timeline:
        await step()


async def load_event(
    event: EventSeed, orgs: dict[str, int], donors: dict[str, uuid.UUID], advance: Progress
) -> bool:
    """Load one edition; False when it is already there."""
    if await Event.exists().where(Event.number == event.number):
        return False
    async with write_transaction():
        opens = dt.datetime.combine(event.pledge_opens, dt.time(0), dt.UTC)
        event_id = await create_event(
            EventDraft(
                number=event.number,
                title=event.title,
                summary=event.summary,
                held_on=event.held_on,
                venue=event.venue,
                pledge_opens_at=opens,
                pledge_closes_at=dt.datetime.combine(event.pledge_closes, dt.time(23, 59), dt.UTC),
                status=Event.Status.live,
                operator_id=orgs[event.operator] if event.operator else None,
            )
        )
        projects = await _create_projects(event, event_id, orgs, advance)
        # Set up and published as pledging opened, not the day the demo was loaded.
        await Event.update({Event.created_at: opens}).where(Event.id == event_id)
        published = _local(event.pledge_opens, PUBLISH_TIME)
        await Project.update(
            {Project.created_at: published, Project.published_at: published}
        ).where(Project.event == event_id)
        for pool in MATCHING_POOLS:
            if pool.event == event.number:
                await _create_pool(pool, event, event_id, projects)
        await _record_history(event, projects, donors, advance)
        await Event.update({Event.status: event.status}).where(Event.id == event_id)
        for seed in event.projects:
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
    for seed in EVENTS:
        event = on_todays_calendar(seed, today())
        if await load_event(event, orgs, donors, advance):
            loaded.append(event.number)
        else:
            advance(event_steps(event))
    # The 5th edition's money out is loaded with it; a database loaded before that was so
    # gets it now (appended after the rest).
    await load_money_out(5)
    await load_statement_demo(EVENTS[-1].number)  # the open edition's bank statement
    return loaded
