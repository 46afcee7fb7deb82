from enum import Enum

from piccolo.columns import JSON, UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from service.auth.tables import StaffUser
from service.columns import created_at, money, restrict_fk
from service.events.tables import Event
from service.orgs.tables import Organization
from service.payments.tables import Payment
from service.pledges.tables import Pledge
from service.projects.tables import Project


class MatchingPool(Table, tablename="matching_pool"):
    """A sponsor's fund that matches gifts at a ratio, under caps (配捐)."""

    class Status(str, Enum):
        draft = "draft"  # created, not yet funded: matches nothing
        open = "open"
        paused = "paused"
        exhausted = "exhausted"
        closed = "closed"

    event = restrict_fk(Event, "The edition matched.")
    sponsor = restrict_fk(Organization, "Who funds the pool.")
    name = Varchar(length=200, help_text="Name shown to donors.")
    total_fen = money("Pool size")
    allocated_fen = money("Allocated so far; never above total", default=0)
    ratio_numerator = Integer(default=1, help_text="Match numerator: 1 for 1:1.")
    ratio_denominator = Integer(default=1, help_text="Match denominator.")
    cap_per_gift_fen = money("Most matched for one payment", null=True, default=None)
    cap_per_project_fen = money("Most matched for one project", null=True, default=None)
    cap_per_donor_day_fen = money("Most matched per donor per day", null=True, default=None)
    status = Varchar(length=20, choices=Status, default=Status.open, help_text="State.")
    created_at = created_at()
    eligible_projects = JSON(
        default=[], help_text="Ids of the projects matched; empty: every project of the edition."
    )
    starts_at = Timestamptz(null=True, default=None, help_text="Gifts settled from then on.")
    ends_at = Timestamptz(null=True, default=None, help_text="Gifts settled before then.")
    funded_at = Timestamptz(
        null=True, default=None, help_text="When the sponsor's money was booked (pool_funded)."
    )
    status_reason = Text(default="", help_text="Why it was paused or closed.")


class MatchAllocation(Table, tablename="match_allocation"):
    """Matching money set against one payment; one per pool and payment."""

    id = UUID(primary_key=True)
    pool = restrict_fk(MatchingPool, "The pool drawn from.")
    payment = restrict_fk(Payment, "The gift matched.")
    project = restrict_fk(Project, "The project credited.")
    amount_fen = money("Amount matched")
    created_at = created_at()


class MatchRelease(Table, tablename="match_release"):
    """Matching money given back to its pool (the gift was refunded or reversed)."""

    id = UUID(primary_key=True, help_text="uuid5 of the source (refund id…): once per source.")
    allocation = restrict_fk(MatchAllocation, "The allocation released (in part or whole).")
    pool = restrict_fk(MatchingPool, "The pool credited back.")
    project = restrict_fk(Project, "The project debited.")
    amount_fen = money("Amount released")
    reason = Text(default="", help_text="Why, e.g. refund <id>.")
    created_at = created_at()


class MatchDecision(Table, tablename="match_decision"):
    """What matching did for one settled gift, and why: the pledge's matching record."""

    class Outcome(str, Enum):
        matched = "matched"
        none = "none"  # nothing matched; `reason` says why (no pool, pool closed, caps…)
        held = "held"  # withheld for an organizer's review (abuse rule)
        released = (
            "released"  # held, then released by an organizer (and matched as far as possible)
        )
        refused = "refused"  # held, then refused by an organizer

    id = UUID(primary_key=True, help_text="uuid5 of the payment id.")
    payment = restrict_fk(Payment, "The gift.", unique=True)
    pledge = restrict_fk(Pledge, "The gift's pledge.")
    pool = restrict_fk(MatchingPool, "The pool that matched or would have.", null=True)
    outcome = Varchar(length=20, choices=Outcome, help_text="What happened.")
    reason = Text(default="", help_text="Why (machine-readable code: text).")
    matched_fen = money("Amount matched", default=0)
    allocation = UUID(null=True, default=None, help_text="The allocation, when one was made.")
    reviewed_by = restrict_fk(StaffUser, "Organizer who released or refused it.", null=True)
    reviewed_at = Timestamptz(null=True, default=None, help_text="When it was reviewed.")
    review_reason = Text(default="", help_text="The organizer's reason.")
    created_at = created_at()
