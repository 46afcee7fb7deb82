from enum import Enum

from piccolo.columns import UUID, Integer, Varchar
from piccolo.table import Table

from service.columns import created_at, money, restrict_fk
from service.events.tables import Event
from service.orgs.tables import Organization
from service.payments.tables import Payment
from service.projects.tables import Project


class MatchingPool(Table, tablename="matching_pool"):
    """A sponsor's fund that matches gifts at a ratio, under caps (配捐)."""

    class Status(str, Enum):
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


class MatchAllocation(Table, tablename="match_allocation"):
    """Matching money set against one payment; one per pool and payment."""

    id = UUID(primary_key=True)
    pool = restrict_fk(MatchingPool, "The pool drawn from.")
    payment = restrict_fk(Payment, "The gift matched.")
    project = restrict_fk(Project, "The project credited.")
    amount_fen = money("Amount matched")
    created_at = created_at()
