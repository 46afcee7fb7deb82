from enum import Enum

from piccolo.columns import UUID, Text, Timestamptz, Varchar
from piccolo.table import Table

from service.auth.tables import StaffUser
from service.columns import created_at, money, restrict_fk
from service.projects.tables import Project


class Disbursement(Table, tablename="disbursement"):
    """Funds released to an implementer against a milestone, approved by a second person."""

    class Status(str, Enum):
        requested = "requested"
        approved = "approved"
        paid = "paid"
        rejected = "rejected"

    id = UUID(primary_key=True)
    project = restrict_fk(Project, "The project paid from.")
    milestone = Varchar(length=200, help_text="What was achieved.")
    amount_fen = money("Amount released")
    payee = Varchar(length=200, help_text="Implementer paid.")
    status = Varchar(length=20, choices=Status, default=Status.requested, help_text="State.")
    evidence = Text(default="", help_text="Evidence: files and notes, one per line.")
    requested_by = restrict_fk(StaffUser, "Who asked.", null=True)
    approved_by = restrict_fk(StaffUser, "The second organizer who approved.", null=True)
    created_at = created_at()
    approved_at = Timestamptz(null=True, default=None, help_text="When approved.")
    paid_at = Timestamptz(null=True, default=None, help_text="When paid out.")


class Reallocation(Table, tablename="fund_reallocation"):
    """Money moved from a project to its edition's general fund (e.g. a cancelled project
    or an over-subscribed remainder); the source record of a `reallocation` posting."""

    id = UUID(primary_key=True)
    project = restrict_fk(Project, "The project the money leaves.")
    amount_fen = money("Amount moved to the general fund")
    reason = Text(default="", help_text="Why it was moved.")
    created_by = restrict_fk(StaffUser, "Organizer who moved it.", null=True)
    created_at = created_at()
