from enum import Enum

from piccolo.columns import UUID, Boolean, Integer, Timestamptz, Varchar
from piccolo.table import Table

from service.columns import created_at


class Donor(Table, tablename="donor"):
    """A resident or company that pledges; no account, reached by a signed link."""

    class Kind(str, Enum):
        individual = "individual"
        enterprise = "enterprise"

    id = UUID(primary_key=True, help_text="Random id; also the subject of donor links.")
    kind = Varchar(length=20, choices=Kind, help_text="Individual or enterprise.")
    display_name = Varchar(length=100, help_text="Name shown publicly unless anonymous.")
    email = Varchar(length=254, null=True, default=None, help_text="For receipts and links.")
    phone = Varchar(length=30, null=True, default=None, help_text="Contact phone.")
    receipt_title = Varchar(length=200, default="", help_text="Name printed on receipts.")
    uscc = Varchar(length=18, null=True, default=None, help_text="Enterprise's USCC.")
    anonymous = Boolean(default=False, help_text="Shown as 爱心人士 in public lists.")
    wants_receipt = Boolean(default=True, help_text="False when the donor declines one.")
    reminders_opt_out = Boolean(default=False, help_text="Never send reminder mails.")
    link_version = Integer(default=1, help_text="Bumped to revoke every donor link issued before.")
    created_at = created_at()
    contact_confirmed_at = Timestamptz(
        null=True, default=None, help_text="When the donor opened a mailed link."
    )
    erased_at = Timestamptz(
        null=True, default=None, help_text="When the donor's name and contact were erased."
    )
