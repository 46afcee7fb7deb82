from enum import Enum

from piccolo.columns import UUID, BigInt, Text, Timestamptz, Varchar
from piccolo.table import Table

from service.auth.tables import StaffUser
from service.columns import created_at, restrict_fk
from service.events.tables import Event


class TransparencyReport(Table, tablename="transparency_report"):
    """An edition's transparency report, built from the ledger up to one head: the same
    head gives the same figures (their SHA-256 is kept)."""

    class Status(str, Enum):
        pending = "pending"
        ready = "ready"
        failed = "failed"

    id = UUID(primary_key=True)
    event = restrict_fk(Event, "The edition reported on.")
    status = Varchar(length=20, choices=Status, default=Status.pending, help_text="State.")
    head_seq = BigInt(default=0, help_text="Ledger position the figures stop at.")
    head_hash = Varchar(length=64, default="", help_text="Hash of that ledger transaction.")
    figures = Text(default="", help_text="The report's figures, canonical JSON.")
    figures_sha256 = Varchar(length=64, default="", help_text="SHA-256 of the figures.")
    pdf_name = Varchar(length=80, default="", help_text="Stored PDF file name.")
    pdf_sha256 = Varchar(length=64, default="", help_text="SHA-256 of the PDF.")
    error = Text(default="", help_text="Why building it failed.")
    requested_by = restrict_fk(StaffUser, "Who asked for it.", null=True)
    created_at = created_at()
    built_at = Timestamptz(null=True, default=None, help_text="When it was built.")
