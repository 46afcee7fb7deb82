from enum import Enum

from piccolo.columns import UUID, Boolean, Date, Text, Timestamptz, Varchar
from piccolo.table import Table

from service.auth.tables import StaffUser
from service.columns import created_at, money, restrict_fk
from service.donors.tables import Donor
from service.events.tables import Event
from service.projects.tables import Project


class Pledge(Table, tablename="pledge"):
    """A donor's promise to give an amount to a project or the event's general fund."""

    class Channel(str, Enum):
        online = "online"
        on_stage = "on_stage"
        bank_transfer = "bank_transfer"
        cash = "cash"

    class Status(str, Enum):
        pledged = "pledged"
        partially_paid = "partially_paid"
        paid = "paid"
        cancelled = "cancelled"
        lapsed = "lapsed"

    id = UUID(primary_key=True, help_text="Random id, public in the API.")
    event = restrict_fk(Event, "The edition pledged in.")
    project = restrict_fk(Project, "The project; empty for the general fund.", null=True)
    donor = restrict_fk(Donor, "Who pledged.")
    amount_fen = money("Amount promised")
    channel = Varchar(length=20, choices=Channel, help_text="How the pledge was made.")
    status = Varchar(length=20, choices=Status, default=Status.pledged, help_text="Lifecycle.")
    whole_project = Boolean(default=False, help_text="A claim of the whole project (认领).")
    allow_general_fund = Boolean(
        default=False, help_text="Donor consents to excess going to the general fund."
    )
    message = Text(default="", help_text="Donor's message.")
    due_on = Date(null=True, default=None, help_text="When payment is due.")
    idempotency_key = Varchar(
        length=128,
        null=True,
        default=None,
        unique=True,
        help_text="Client's Idempotency-Key; the same key returns the same pledge.",
    )
    request_hash = Varchar(length=64, default="", help_text="SHA-256 of the creating request.")
    status_reason = Text(default="", help_text="Why it was cancelled or lapsed.")
    recorded_by = restrict_fk(StaffUser, "Organizer who recorded it on stage.", null=True)
    created_at = created_at()
    closed_at = Timestamptz(null=True, default=None, help_text="Paid, cancelled or lapsed.")
    excess_of = restrict_fk(
        "self",
        "For a general-fund pledge: the project pledge whose excess over the target it holds.",
        null=True,
    )
