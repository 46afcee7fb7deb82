from enum import Enum

from piccolo.columns import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from service.columns import created_at, money, restrict_fk
from service.donors.tables import Donor
from service.events.tables import Event
from service.payments.tables import Payment


class ReceiptCounter(Table, tablename="receipt_counter"):
    """The next receipt number of an edition, taken under lock so numbers have no gaps."""

    event = restrict_fk(Event, "The edition numbered.", unique=True)
    last_number = Integer(default=0, help_text="Last number issued.")


class Receipt(Table, tablename="receipt"):
    """A donation receipt (捐赠收据), one per settled payment; voids keep their number."""

    class Status(str, Enum):
        issued = "issued"
        void = "void"
        declined = "declined"  # donor declined a receipt: recorded, never mailed

    id = UUID(primary_key=True)
    event = restrict_fk(Event, "The edition whose numbering it uses.")
    number = Integer(help_text="Gapless number within the edition.")
    payment = restrict_fk(Payment, "The settled payment it acknowledges.")
    donor = restrict_fk(Donor, "Who gave.")
    amount_fen = money("Amount acknowledged")
    title = Varchar(length=200, help_text="Name printed (receipt title or 爱心人士).")
    status = Varchar(length=20, choices=Status, default=Status.issued, help_text="State.")
    verification_code = Varchar(length=16, help_text="Code printed for public verification.")
    replaces = restrict_fk("self", "The voided receipt this one reissues.", null=True)
    copies_sent = Integer(default=0, help_text="Resends, each marked 副本.")
    issued_at = created_at()
    voided_at = Timestamptz(null=True, default=None, help_text="When voided.")
    void_reason = Text(default="", help_text="Why voided.")
    mailed_at = Timestamptz(null=True, default=None, help_text="First delivery.")
