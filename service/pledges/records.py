"""The shapes of the pledge rows the services read and hand around (Piccolo selects are
plain dicts): typed records that document the keys, nothing at run time."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import NotRequired, TypedDict

from service.matching.records import PledgeDecision


class PledgingEvent(TypedDict):
    """The event a pledge is made in (`services._open_event`)."""

    id: int
    status: str
    oversubscription_rule: str
    title: str


class PledgingProject(TypedDict):
    """The project a pledge is for, with its event (`services._event_and_project`)."""

    id: int
    status: str
    target_fen: int
    title: str
    event_id: int
    event_number: int
    event_status: str
    oversubscription_rule: str
    event_title: str


class PledgeAnswer(TypedDict):
    """The one shape of a pledge's answer (`services.pledge_answer`, `get_pledge`)."""

    id: uuid.UUID
    event_number: int
    project: int | None
    amount_fen: int
    channel: str
    status: str
    status_reason: str
    whole_project: bool
    due_on: dt.date | None
    created_at: dt.datetime
    donor: uuid.UUID
    donor_name: str
    """The donor's own name; the API shows `donors.services.public_name` of it."""
    anonymous: bool
    excess_of: uuid.UUID | None
    paid_fen: int
    outstanding_fen: int
    general_fund_pledge: uuid.UUID | None
    general_fund_fen: int


class AnsweredPledge(PledgeAnswer):
    """A pledge's answer as the API builds it (`controllers.answer_out`): with its
    matching record on a read, without it on a new pledge."""

    matching: NotRequired[list[PledgeDecision]]


class ConfirmationPledge(TypedDict):
    """What the confirmation mail says of the pledge (`notify.confirmation_message`)."""

    amount_fen: int
    due_on: dt.date | None
    channel: str
    project_title: str | None
    event_title: str


class OverduePledge(TypedDict):
    """A payable pledge past its due date (`tracking.overdue_pledges`)."""

    id: uuid.UUID
    project: int | None
    project_title: str
    donor_name: str
    channel: str
    amount_fen: int
    due_on: dt.date | None
    code: str
    contact: str
    paid_fen: int
    outstanding_fen: int
    days_overdue: int


class TrackingTotals(TypedDict):
    pledged: int
    received: int
    outstanding: int


class TrackingLine(TypedDict):
    """One project's (or the general fund's, `project` None) line of `event_tracking`."""

    project: int | None
    title: str
    target_fen: int
    pledged: int
    received: int
    outstanding: int
    overdue_fen: int


class EventTracking(TypedDict):
    """Pledged vs received vs outstanding for an event (`tracking.event_tracking`)."""

    event_number: int
    totals: TrackingTotals
    overdue_fen: int
    projects: list[TrackingLine]
    overdue: list[OverduePledge]


class DonorPledge(TypedDict):
    """A pledge on its donor's link page (`tracking.donor_pledges`)."""

    id: uuid.UUID
    amount_fen: int
    channel: str
    status: str
    status_reason: str
    due_on: dt.date | None
    created_at: dt.datetime
    project: int | None
    excess_of: uuid.UUID | None
    project_title: str | None
    event_title: str
    event_number: int
    code: str
    paid_fen: int
    outstanding_fen: int


class ConsoleEvent(TypedDict):
    """The event a console page is about (`tracking.console_event`)."""

    id: int
    number: int
    title: str
    status: str
    oversubscription_rule: str


class ClaimableProject(TypedDict):
    """A project open for pledges on the on-stage picker (`tracking.claimable_projects`)."""

    id: int
    title: str
    target_fen: int
    remaining_fen: int


class RecentPledge(TypedDict):
    """A pledge in the console's recent list (`tracking.recent_pledges`)."""

    id: uuid.UUID
    amount_fen: int
    channel: str
    status: str
    whole_project: bool
    created_at: dt.datetime
    due_on: dt.date | None
    excess_of: uuid.UUID | None
    donor: uuid.UUID
    project_title: str | None
    donor_name: str
    code: str


class OpenPledge(TypedDict):
    """A payable pledge found on the payments page (`tracking.find_open_pledges`)."""

    id: uuid.UUID
    amount_fen: int
    status: str
    due_on: dt.date | None
    channel: str
    project_title: str | None
    donor_name: str
    code: str
    paid_fen: int
    outstanding_fen: int
