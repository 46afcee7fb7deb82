from enum import Enum

from piccolo.columns import UUID, BigInt, Boolean, Date, Text, Timestamptz, Varchar
from piccolo.table import Table

from service.auth.tables import StaffUser
from service.columns import created_at, money, restrict_fk
from service.payments.tables import Payment
from service.projects.tables import BudgetLine, Project


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
    budget_line = restrict_fk(BudgetLine, "The budget line the money is spent on.", null=True)
    purpose = Text(default="", help_text="What the money pays for, in the requester's words.")
    decision_reason = Text(default="", help_text="The approver's or rejecter's reason.")
    rejected_by = restrict_fk(StaffUser, "The organizer who rejected it.", null=True)
    paid_by = restrict_fk(StaffUser, "The organizer who recorded the payout.", null=True)
    bank_reference = Varchar(
        length=200,
        null=True,
        default=None,
        help_text="Bank transfer reference; unique (index disbursement_bank_reference_unique).",
    )
    paid_on = Date(null=True, default=None, help_text="Value date of the payout.")


class DisbursementEvidence(Table, tablename="disbursement_evidence"):
    """A file supporting a disbursement: invoice, contract, acceptance record, photo.
    Public files are shown with the disbursement; internal ones (ID numbers, signatures)
    only to staff."""

    class Kind(str, Enum):
        invoice = "invoice"
        contract = "contract"
        acceptance = "acceptance"
        photo = "photo"
        other = "other"

    id = UUID(primary_key=True)
    disbursement = restrict_fk(Disbursement, "The disbursement it supports.")
    kind = Varchar(length=20, choices=Kind, default=Kind.other, help_text="What the file is.")
    title = Varchar(length=200, default="", help_text="Label shown with the file.")
    stored_name = Varchar(length=64, unique=True, help_text="Random stored file name.")
    media_type = Varchar(length=40, help_text="Type found from the bytes.")
    size_bytes = BigInt(help_text="File size.")
    sha256 = Varchar(length=64, help_text="SHA-256 of the file, hex.")
    public = Boolean(default=False, help_text="Shown to the public and donors.")
    created_at = created_at()


class Reallocation(Table, tablename="fund_reallocation"):
    """Money moved from a project to its edition's general fund (e.g. a cancelled project
    or an over-subscribed remainder); the source record of a `reallocation` posting."""

    id = UUID(primary_key=True)
    project = restrict_fk(Project, "The project the money leaves.")
    amount_fen = money("Amount moved to the general fund")
    reason = Text(default="", help_text="Why it was moved.")
    created_by = restrict_fk(StaffUser, "Organizer who moved it.", null=True)
    created_at = created_at()
    target_project = restrict_fk(
        Project, "The project it moves to (same edition); empty: the general fund.", null=True
    )
    payment = restrict_fk(Payment, "The donor's payment it comes from, when it is one.", null=True)
    donor_consent = Text(default="", help_text="How and when the donor agreed to the move.")
