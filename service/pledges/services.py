"""Making pledges: validation, idempotency, over-subscription and the ledger posting."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import asdict, dataclass

from service import clock
from service.audit.services import Actor, record
from service.db import is_sqlite, is_unique_violation, write_transaction
from service.donors.services import DonorDraft, create_donor, donor_exists
from service.errors import Conflict, InvalidInput, NotAllowed, NotFound
from service.events.lookup import event_or_404
from service.events.services import PLEDGE_OPEN
from service.events.tables import Event
from service.ledger import rules
from service.ledger.balances import project_pledged
from service.outbox.services import Message, enqueue_many
from service.pledges.money import PAYABLE, outstanding, paid_fen
from service.pledges.notify import confirmation_message, queue_confirmation
from service.pledges.records import PledgeAnswer, PledgingEvent, PledgingProject
from service.pledges.tables import Pledge
from service.projects.tables import Project
from service.settings import get_settings

MIN_PLEDGE_FEN = 100
PAYABLE_STATUSES = PAYABLE
"""Kept importable; the rule lives in `service.pledges.money`."""
PLEDGEABLE_PROJECT = (Project.Status.published.value, Project.Status.funded.value)
Channel = Pledge.Channel


@dataclass(frozen=True)
class PledgeDraft:
    event_number: int
    project_id: int | None
    donor: DonorDraft
    amount_fen: int | None
    channel: Channel = Channel.online
    whole_project: bool = False
    allow_general_fund: bool = False
    message: str = ""
    due_on: dt.date | None = None
    donor_id: uuid.UUID | None = None
    """An existing donor (on-stage claims); `donor` is then ignored."""


@dataclass(frozen=True)
class PledgeResult:
    pledge_id: uuid.UUID
    created: bool
    row: PledgeAnswer | None = None
    """For a new pledge of a new donor: `pledge_answer`, as `get_pledge` would read it."""


def request_hash(draft: PledgeDraft) -> str:
    body = json.dumps(asdict(draft), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def _check_amount(amount_fen: int | None, whole_project: bool) -> None:
    if whole_project:
        return
    maximum = get_settings().pledge_max_fen
    if amount_fen is None:
        raise InvalidInput.on("amount_fen", "amount is required (or claim the whole project)")
    if type(amount_fen) is not int or not MIN_PLEDGE_FEN <= amount_fen <= maximum:
        raise InvalidInput.on(
            "amount_fen", f"must be between {MIN_PLEDGE_FEN} and {maximum} fen (¥1 to the maximum)"
        )


async def _open_event(number: int) -> PledgingEvent:
    event = await event_or_404(
        number, Event.id, Event.status, Event.oversubscription_rule, Event.title
    )
    if event["status"] not in PLEDGE_OPEN:
        raise NotAllowed.on("event", f"event {number} is not open for pledges")
    return event


_EVENT_AND_PROJECT_SQL = """
SELECT p.id, p.status, p.target_fen, p.title, e.id AS event_id, e.number AS event_number,
       e.status AS event_status, e.oversubscription_rule, e.title AS event_title
FROM project p JOIN event e ON e.id = p.event
WHERE p.id = {}
"""


async def _event_and_project(number: int, project_id: int) -> tuple[PledgingEvent, PledgingProject]:
    """The open event and its pledgeable project, locked against concurrent pledges, in
    one round trip (SQLite's BEGIN IMMEDIATE already serializes writers). Plain SQL: this
    runs on every pledge, and building it from Piccolo's joins costs more than running it."""
    lock = "" if is_sqlite() else " FOR UPDATE OF p"
    rows = await Project.raw(_EVENT_AND_PROJECT_SQL + lock, project_id)
    row = rows[0] if rows else None
    if row is None or row["event_number"] != number:
        await _open_event(number)  # an unknown or closed event is the first thing to say
        if row is None:
            raise NotFound.on("project_id", f"no project {project_id}")
        raise NotAllowed.on("project_id", f"project {project_id} is not open for pledges")
    if row["event_status"] not in PLEDGE_OPEN:
        raise NotAllowed.on("event", f"event {number} is not open for pledges")
    if row["status"] not in PLEDGEABLE_PROJECT:
        raise NotAllowed.on("project_id", f"project {project_id} is not open for pledges")
    event: PledgingEvent = {
        "id": row["event_id"],
        "status": row["event_status"],
        "oversubscription_rule": row["oversubscription_rule"],
        "title": row["event_title"],
    }
    return event, row


@dataclass(frozen=True)
class Allocation:
    """Where a pledge's money goes: the project, and any excess to the general fund."""

    project_fen: int
    general_fund_fen: int = 0


async def _allocate(draft: PledgeDraft, project: PledgingProject, rule: str) -> Allocation:
    """Refuse anything beyond the target unless the event moves the excess to its general
    fund and the donor consented; then the excess is split off, never hidden."""
    # The running balance, read after the project's row lock (never summed over entries).
    remaining = project["target_fen"] - await project_pledged(project["id"])
    if draft.whole_project:
        if draft.channel is Channel.online:
            # One anonymous request must not reserve a whole project: claims are made on
            # stage, recorded by an organizer (README: "Holding capacity").
            raise NotAllowed.on(
                "whole_project", "a whole project is claimed on stage; online, pledge an amount"
            )
        if remaining <= 0:
            raise NotAllowed.on("whole_project", "the project is already fully pledged")
        if remaining > get_settings().pledge_max_fen:
            raise NotAllowed.on(
                "whole_project",
                f"the {remaining} fen still open exceed the largest single pledge "
                f"({get_settings().pledge_max_fen} fen); pledge an amount",
            )
        return Allocation(remaining)
    assert draft.amount_fen is not None
    if draft.amount_fen <= remaining:
        return Allocation(draft.amount_fen)
    if rule == Event.OversubscriptionRule.general_fund.value and draft.allow_general_fund:
        to_project = max(remaining, 0)
        return Allocation(to_project, draft.amount_fen - to_project)
    raise NotAllowed.on(
        "amount_fen",
        f"only {max(remaining, 0)} fen of the target is still open; pledge less"
        + (" or allow the excess to go to the general fund" if rule == "general_fund" else ""),
    )


async def _insert_pledge(
    draft: PledgeDraft,
    *,
    event_id: int,
    project_id: int | None,
    donor_id: uuid.UUID,
    amount_fen: int,
    due_on: dt.date,
    actor: Actor,
    idempotency_key: str | None,
    fingerprint: str,
    created_at: dt.datetime,
    excess_of: uuid.UUID | None = None,
) -> tuple[uuid.UUID, Message]:
    """The pledge row, and the live-totals message for the caller to write."""
    pledge_id = uuid.uuid4()
    await Pledge.insert(
        Pledge(
            id=pledge_id,
            event=event_id,
            project=project_id,
            donor=donor_id,
            amount_fen=amount_fen,
            channel=draft.channel.value,
            whole_project=draft.whole_project and excess_of is None,
            allow_general_fund=draft.allow_general_fund,
            message=draft.message,
            due_on=due_on,
            idempotency_key=idempotency_key,
            request_hash=fingerprint,
            recorded_by=actor.user_id,
            excess_of=excess_of,
            created_at=created_at,
        )
    )
    live = Message(
        "live.pledge",
        {
            "pledge_id": str(pledge_id),
            "event_id": event_id,
            "project_id": project_id,
            "amount_fen": amount_fen,
            "channel": draft.channel.value,
        },
        dedupe_key=f"live.pledge:{pledge_id}",
    )
    return pledge_id, live


async def _donor_id(draft: PledgeDraft) -> uuid.UUID:
    if draft.donor_id is None:
        return await create_donor(draft.donor)
    if not await donor_exists(draft.donor_id):
        raise NotFound.on("donor_id", f"no donor {draft.donor_id}")
    return draft.donor_id


async def _earlier_pledge(idempotency_key: str, fingerprint: str) -> PledgeResult | None:
    """The pledge an earlier request with this key made; 409 if its body differed."""
    rows = await Pledge.raw(
        "SELECT id, request_hash FROM pledge WHERE idempotency_key = {}", idempotency_key
    )
    existing = rows[0] if rows else None
    if existing is None:
        return None
    if existing["request_hash"] != fingerprint:
        raise Conflict.on("Idempotency-Key", "this key was already used with a different request")
    return PledgeResult(existing["id"], created=False)


async def create_pledge(
    draft: PledgeDraft,
    actor: Actor,
    idempotency_key: str | None = None,
    *,
    notify_donor: bool = False,
    at: dt.datetime | None = None,
) -> PledgeResult:
    """Record a pledge (and its general-fund excess, if any) with its ledger postings.
    `notify_donor` mails the donor their signed link when they gave an address. `at` dates
    a pledge recorded after the fact (the demo's history); default now.

    An Idempotency-Key is unique on the pledge table: a request whose key another request
    committed first (even one running at the same moment) fails on that index, rolls back
    whole, and answers with the earlier pledge."""
    _check_amount(draft.amount_fen, draft.whole_project)
    fingerprint = request_hash(draft)
    try:
        return await _create_pledge(draft, actor, idempotency_key, fingerprint, notify_donor, at)
    except Exception as exc:
        if idempotency_key is None or not is_unique_violation(exc):
            raise
        earlier = await _earlier_pledge(idempotency_key, fingerprint)
        if earlier is None:
            raise
        return earlier


async def _create_pledge(
    draft: PledgeDraft,
    actor: Actor,
    idempotency_key: str | None,
    fingerprint: str,
    notify_donor: bool,
    at: dt.datetime | None = None,
) -> PledgeResult:
    async with write_transaction():
        if idempotency_key is not None:
            earlier = await _earlier_pledge(idempotency_key, fingerprint)
            if earlier is not None:
                return earlier
        project: PledgingProject | None = None
        if draft.project_id is not None:
            event, project = await _event_and_project(draft.event_number, draft.project_id)
            allocation = await _allocate(draft, project, event["oversubscription_rule"])
        elif draft.whole_project:
            raise InvalidInput.on("whole_project", "only a project can be claimed whole")
        else:
            event = await _open_event(draft.event_number)
            assert draft.amount_fen is not None
            allocation = Allocation(0, draft.amount_fen)
        donor_id = await _donor_id(draft)
        due_on = draft.due_on or clock.today() + dt.timedelta(days=get_settings().pledge_due_days)
        created_at = at or dt.datetime.now(dt.UTC)
        common = {
            "created_at": created_at,
            "event_id": event["id"],
            "donor_id": donor_id,
            "due_on": due_on,
            "actor": actor,
            "fingerprint": fingerprint,
        }
        # Nothing for the project (a general-fund pledge, or a full project with the
        # donor's consent): the whole pledge is the general fund's.
        main_project = draft.project_id if allocation.project_fen else None
        main_amount = allocation.project_fen or allocation.general_fund_fen
        main_id, live = await _insert_pledge(
            draft,
            project_id=main_project,
            amount_fen=main_amount,
            idempotency_key=idempotency_key,
            **common,
        )
        messages = [live]
        excess_id = None
        if allocation.project_fen and allocation.general_fund_fen:
            excess_id, live = await _insert_pledge(
                draft,
                project_id=None,
                amount_fen=allocation.general_fund_fen,
                idempotency_key=None,
                excess_of=main_id,
                **common,
            )
            messages.append(live)
        await record(
            actor,
            "pledge.create",
            "pledge",
            main_id,
            data={
                "channel": draft.channel.value,
                "requested_project": draft.project_id,
                "requested_fen": draft.amount_fen,
                "project_fen": allocation.project_fen,
                "general_fund_fen": allocation.general_fund_fen,
                "general_fund_pledge": str(excess_id) if excess_id else None,
            },
        )
        if notify_donor and draft.donor_id is None:
            if draft.donor.email:  # a new donor: everything the mail needs is at hand
                messages.append(
                    confirmation_message(
                        main_id,
                        donor_id,
                        to=draft.donor.email,
                        donor_name=draft.donor.display_name.strip(),
                        link_version=1,
                        pledge={
                            "amount_fen": main_amount,
                            "due_on": due_on,
                            "channel": draft.channel.value,
                            "project_title": project["title"] if main_project and project else None,
                            "event_title": event["title"],
                        },
                    )
                )
        elif notify_donor:
            await queue_confirmation(main_id, donor_id)
        await enqueue_many(messages)
        # Posting takes the ledger's chain lock until commit: do it last, so the one
        # lock every money movement shares is held as briefly as possible.
        await rules.pledge_made(
            pledge_id=main_id,
            event_id=event["id"],
            project_id=main_project,
            amount_fen=main_amount,
            occurred_at=created_at,
        )
        if excess_id is not None:
            await rules.pledge_made(
                pledge_id=excess_id,
                event_id=event["id"],
                project_id=None,
                amount_fen=allocation.general_fund_fen,
                occurred_at=created_at,
            )
    row = None
    if draft.donor_id is None:  # a new donor: everything the answer shows is at hand
        row = pledge_answer(
            id=main_id,
            event_number=draft.event_number,
            project=main_project,
            amount_fen=main_amount,
            channel=draft.channel.value,
            status=Pledge.Status.pledged.value,
            status_reason="",
            whole_project=draft.whole_project,
            due_on=due_on,
            created_at=created_at,
            donor=donor_id,
            donor_name=draft.donor.display_name.strip(),
            anonymous=draft.donor.anonymous,
            excess_of=None,
            paid_fen=0,
            general_fund_pledge=excess_id,
            general_fund_fen=allocation.general_fund_fen if excess_id else 0,
        )
    return PledgeResult(main_id, created=True, row=row)


def pledge_answer(
    *,
    id: uuid.UUID,
    event_number: int,
    project: int | None,
    amount_fen: int,
    channel: str,
    status: str,
    status_reason: str,
    whole_project: bool,
    due_on: dt.date | None,
    created_at: dt.datetime,
    donor: uuid.UUID,
    donor_name: str,
    anonymous: bool,
    excess_of: uuid.UUID | None,
    paid_fen: int,
    general_fund_pledge: uuid.UUID | None,
    general_fund_fen: int,
) -> PledgeAnswer:
    """The one shape of a pledge's answer: `get_pledge`'s, and a new pledge's (built
    from what creating it knows, without reading it back). `donor_name` is the donor's
    own name; the API shows `donors.services.public_name` of it."""
    return {
        "id": id,
        "event_number": event_number,
        "project": project,
        "amount_fen": amount_fen,
        "channel": channel,
        "status": status,
        "status_reason": status_reason,
        "whole_project": whole_project,
        "due_on": due_on,
        "created_at": created_at,
        "donor": donor,
        "donor_name": donor_name,
        "anonymous": anonymous,
        "excess_of": excess_of,
        "paid_fen": paid_fen,
        "outstanding_fen": outstanding(amount_fen, paid_fen, status),
        "general_fund_pledge": general_fund_pledge,
        "general_fund_fen": general_fund_fen,
    }


async def get_pledge(pledge_id: uuid.UUID) -> PledgeAnswer:
    """One pledge with what is paid and outstanding, and its general-fund excess if any."""
    row = (
        await Pledge.select(
            Pledge.id,
            Pledge.amount_fen,
            Pledge.channel,
            Pledge.status,
            Pledge.status_reason,
            Pledge.whole_project,
            Pledge.due_on,
            Pledge.created_at,
            Pledge.project,
            Pledge.excess_of,
            Pledge.donor,
            Pledge.event.number.as_alias("event_number"),
            Pledge.donor.display_name.as_alias("donor_name"),
            Pledge.donor.anonymous.as_alias("anonymous"),
        )
        .where(Pledge.id == pledge_id)
        .first()
    )
    if row is None:
        raise NotFound.on("id", f"no pledge {pledge_id}")
    excess = (
        await Pledge.select(Pledge.id, Pledge.amount_fen)
        .where(Pledge.excess_of == pledge_id)
        .first()
    )
    return pledge_answer(
        **row,
        paid_fen=await paid_fen(pledge_id),
        general_fund_pledge=excess["id"] if excess else None,
        general_fund_fen=excess["amount_fen"] if excess else 0,
    )
