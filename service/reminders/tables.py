from enum import Enum

from piccolo.columns import Date, Integer, Varchar
from piccolo.table import Table

from service.columns import created_at, money, restrict_fk
from service.pledges.tables import Pledge


class PledgeReminder(Table, tablename="pledge_reminder"):
    """One reminder mailed about a pledge; (pledge, sequence) is unique, so two runs of
    the schedule can never send the same reminder twice."""

    class Kind(str, Enum):
        due_soon = "due_soon"
        overdue = "overdue"

    pledge = restrict_fk(Pledge, "The pledge reminded about.")
    sequence = Integer(help_text="1 for the first reminder of the pledge, then 2, 3…")
    kind = Varchar(length=20, choices=Kind, help_text="Coming due or overdue.")
    sent_on = Date(help_text="Day (Asia/Shanghai) it was queued.")
    outstanding_fen = money("Amount still owed when reminded", default=0)
    created_at = created_at()
