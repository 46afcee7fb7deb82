"""Making pledges: validation, idempotency, over-subscription and the ledger posting."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from service.audit.services import Actor, record
from service.db import write_transaction
from service.donors.services import DonorDraft, create_donor
from service.errors import Conflict, InvalidInput, NotAllowed, NotFound
from service.events.services import PLEDGE_OPEN
from service.events.tables import Event
from service.ledger import rules
from service.ledger.balances import project_fund_figures
from service.locks import lock_key, lock_row
from service.outbox.services import enqueue
from service.pledges.tables import Pledge
from service.projects.tables import Project
from service.settings import get_settings

MIN_PLEDGE_FEN = 100
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


async def _open_event(number: int) -> dict[str, Any]:
    event = (
        await Event.select(Event.id, Event.status, Event.oversubscription_rule)
        .where(Event.number == number)
        .first()
    )
    if event is None:
        raise NotFound.on("event", f"no event number {number}")
    if event["status"] not in PLEDGE_OPEN:
        raise NotAllowed.on("event", f"event {number} is not open for pledges")
    return event


async def _pledgeable_project(project_id: int, event_id: int) -> dict[str, Any]:
    await lock_row(Project, project_id)
    project = (
        await Project.select(Project.id, Project.event, Project.status, Project.target_fen)
        .where(Project.id == project_id)
        .first()
    )
    if project is None:
        raise NotFound.on("project_id", f"no project {project_id}")
    if project["event"] != event_id or project["status"] not in PLEDGEABLE_PROJECT:
        raise NotAllowed.on("project_id", f"project {project_id} is not open for pledges")
    return project


async def _amount_within_target(draft: PledgeDraft, project: dict[str, Any], rule: str) -> int:
    """The amount to pledge, refusing anything beyond the target unless the event
    moves the excess to its general fund and the donor consented."""
    remaining = project["target_fen"] - (await project_fund_figures(project["id"])).pledged
    if draft.whole_project:
        if remaining <= 0:
            raise NotAllowed.on("whole_project", "the project is already fully pledged")
        return remaining
    assert draft.amount_fen is not None
    if draft.amount_fen <= remaining:
        return draft.amount_fen
    if rule == Event.OversubscriptionRule.general_fund.value and draft.allow_general_fund:
        return draft.amount_fen
    raise NotAllowed.on(
        "amount_fen",
        f"only {max(remaining, 0)} fen of the target is still open; pledge less"
        + (" or allow the excess to go to the general fund" if rule == "general_fund" else ""),
    )


async def create_pledge(
    draft: PledgeDraft, actor: Actor, idempotency_key: str | None = None
) -> PledgeResult:
    _check_amount(draft.amount_fen, draft.whole_project)
    fingerprint = request_hash(draft)
    async with write_transaction():
        if idempotency_key is not None:
            await lock_key("pledge", idempotency_key)
            existing = (
                await Pledge.select(Pledge.id, Pledge.request_hash)
                .where(Pledge.idempotency_key == idempotency_key)
                .first()
            )
            if existing:
                if existing["request_hash"] != fingerprint:
                    raise Conflict.on(
                        "Idempotency-Key", "this key was already used with a different request"
                    )
                return PledgeResult(existing["id"], created=False)
        event = await _open_event(draft.event_number)
        amount = draft.amount_fen
        if draft.project_id is not None:
            project = await _pledgeable_project(draft.project_id, event["id"])
            amount = await _amount_within_target(draft, project, event["oversubscription_rule"])
        elif draft.whole_project:
            raise InvalidInput.on("whole_project", "only a project can be claimed whole")
        assert amount is not None
        donor_id = draft.donor_id or await create_donor(draft.donor)
        pledge_id = uuid.uuid4()
        await Pledge.insert(
            Pledge(
                id=pledge_id,
                event=event["id"],
                project=draft.project_id,
                donor=donor_id,
                amount_fen=amount,
                channel=draft.channel.value,
                whole_project=draft.whole_project,
                allow_general_fund=draft.allow_general_fund,
                message=draft.message,
                due_on=draft.due_on,
                idempotency_key=idempotency_key,
                request_hash=fingerprint,
                recorded_by=actor.user_id,
            )
        )
        await rules.pledge_made(
            pledge_id=pledge_id,
            event_id=event["id"],
            project_id=draft.project_id,
            amount_fen=amount,
        )
        await record(
            actor,
            "pledge.create",
            "pledge",
            pledge_id,
            data={"amount_fen": amount, "channel": draft.channel.value},
        )
        await enqueue(
            "live.pledge",
            {
                "pledge_id": str(pledge_id),
                "event_id": event["id"],
                "project_id": draft.project_id,
                "amount_fen": amount,
            },
            dedupe_key=f"live.pledge:{pledge_id}",
        )
    return PledgeResult(pledge_id, created=True)


async def get_pledge(pledge_id: uuid.UUID) -> dict[str, Any]:
    row = (
        await Pledge.select(
            Pledge.id,
            Pledge.amount_fen,
            Pledge.channel,
            Pledge.status,
            Pledge.whole_project,
            Pledge.due_on,
            Pledge.created_at,
            Pledge.project,
            Pledge.event.number.as_alias("event_number"),
            Pledge.donor.display_name.as_alias("donor_name"),
            Pledge.donor.anonymous.as_alias("anonymous"),
        )
        .where(Pledge.id == pledge_id)
        .first()
    )
    if row is None:
        raise NotFound.on("id", f"no pledge {pledge_id}")
    return row
