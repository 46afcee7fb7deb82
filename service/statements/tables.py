from enum import Enum

from piccolo.columns import JSON, Boolean, Date, Integer, Text, Time, Varchar
from piccolo.table import Table

from service.auth.tables import StaffUser
from service.columns import created_at, money, restrict_fk
from service.payments.tables import Payment
from service.pledges.tables import Pledge


class StatementAccount(Table, tablename="statement_account"):
    """An account statements come from: a bank account or a wallet merchant account."""

    class Provider(str, Enum):
        bank = "bank"
        wechat_pay = "wechat_pay"
        alipay = "alipay"

    name = Varchar(length=100, unique=True, help_text="What organizers call it, e.g. 工行专户.")
    provider = Varchar(length=20, choices=Provider, help_text="Where the money lands.")
    number = Varchar(
        length=40, default="", help_text="Account or merchant number (digits); files must match."
    )
    holder = Varchar(length=200, default="", help_text="Account holder's name.")
    created_at = created_at()


class StatementMapping(Table, tablename="statement_mapping"):
    """An organizer's column mapping for a layout we do not know, reused by name."""

    account = restrict_fk(StatementAccount, "The account whose files use it.")
    name = Varchar(length=100, help_text="Name the CLI takes with --mapping.")
    columns = JSON(help_text="Role → header name (date, time, credit, debit, amount, …).")
    created_by = restrict_fk(StaffUser, "Organizer who saved it.", null=True)
    created_at = created_at()


class StatementImport(Table, tablename="statement_import"):
    """One file imported into an account: what it held and what was new."""

    account = restrict_fk(StatementAccount, "The account the file belongs to.")
    file_name = Varchar(length=200, default="", help_text="Name of the uploaded file.")
    file_sha256 = Varchar(length=64, help_text="SHA-256 of the file's bytes.")
    layout = Varchar(length=120, help_text="Layout or mapping that read it.")
    named_account = Varchar(length=40, default="", help_text="Account the file itself names.")
    lines = Integer(default=0, help_text="Credit and debit lines read.")
    new_lines = Integer(default=0, help_text="Lines not seen in an earlier import.")
    known_lines = Integer(default=0, help_text="Lines an earlier import already holds.")
    imported_by = restrict_fk(StaffUser, "Organizer who imported it.", null=True)
    created_at = created_at()


class StatementEntry(Table, tablename="statement_entry"):
    """A statement line, stored once per account however often it is exported again."""

    class Direction(str, Enum):
        credit = "credit"
        debit = "debit"

    class Status(str, Enum):
        unmatched = "unmatched"
        proposed = "proposed"
        applied = "applied"
        ignored = "ignored"
        listed = "listed"
        """A debit (fee, refund paid out): shown to the treasurer, never applied."""

    account = restrict_fk(StatementAccount, "The account the line belongs to.")
    statement_import = restrict_fk(StatementImport, "The import that first brought it.")
    line_key = Varchar(
        length=64, unique=True, help_text="SHA-256 of account and the line's identity."
    )
    direction = Varchar(length=6, choices=Direction, help_text="Money in or out.")
    booked_on = Date(help_text="Booking date.")
    booked_time = Time(null=True, default=None, help_text="Time of day, where given.")
    amount_fen = money("Gross amount of the line, positive")
    fee_fen = money("Provider fee on a wallet payment", default=0)
    payer = Varchar(length=200, default="", help_text="Counterparty's name.")
    payer_account = Varchar(length=100, default="", help_text="Counterparty's account.")
    remark = Text(default="", help_text="Remark, purpose and abstract, joined.")
    txn_id = Varchar(length=100, default="", help_text="Bank or wallet transaction id.")
    balance_fen = money("Balance after the line", null=True, default=None)
    source_line = Integer(default=0, help_text="Line in the file that first brought it.")
    status = Varchar(length=20, choices=Status, default=Status.unmatched, help_text="State.")
    proposed_pledge = restrict_fk(Pledge, "Pledge the matcher suggests.", null=True)
    proposal_reason = Varchar(length=200, default="", help_text="Why the matcher suggests it.")
    certain = Boolean(default=False, help_text="Safe to confirm in bulk.")
    payment = restrict_fk(Payment, "The payment it became.", null=True, unique=True)
    decided_by = restrict_fk(StaffUser, "Organizer who applied or ignored it.", null=True)
    created_at = created_at()
