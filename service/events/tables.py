from enum import Enum

from piccolo.columns import Date, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from service.columns import created_at, restrict_fk
from service.orgs.tables import Organization


class Event(Table, tablename="event"):
    """One edition (届) of the crowdfunding meeting."""

    class Status(str, Enum):
        draft = "draft"
        proposals = "proposals"
        review = "review"
        pledging = "pledging"
        live = "live"
        closed = "closed"
        reporting = "reporting"
        archived = "archived"

    class OversubscriptionRule(str, Enum):
        refuse = "refuse"
        general_fund = "general_fund"

    class CapturePolicy(str, Enum):
        immediate = "immediate"
        deferred = "deferred"

    number = Integer(unique=True, help_text="Edition number: 5 for 第五届.")
    title = Varchar(length=200, help_text="Full title, e.g. 第五届民生实事公益众筹会.")
    summary = Text(default="", help_text="What this edition is about.")
    held_on = Date(null=True, default=None, help_text="Day of the on-stage meeting.")
    venue = Varchar(length=200, default="", help_text="Where the meeting is held.")
    pledge_opens_at = Timestamptz(null=True, default=None, help_text="Pledging opens.")
    pledge_closes_at = Timestamptz(null=True, default=None, help_text="Pledging closes.")
    status = Varchar(length=20, choices=Status, default=Status.draft, help_text="Lifecycle.")
    operator = restrict_fk(
        Organization,
        "The organization running the edition (third party from the 6th).",
        null=True,
    )
    oversubscription_rule = Varchar(
        length=20,
        choices=OversubscriptionRule,
        default=OversubscriptionRule.refuse,
        help_text="What happens to pledges beyond a project's target.",
    )
    capture_policy = Varchar(
        length=20,
        choices=CapturePolicy,
        default=CapturePolicy.immediate,
        help_text="Capture card payments at once, or authorize now and capture later.",
    )
    created_at = created_at()
