from enum import Enum

from piccolo.columns import Varchar
from piccolo.table import Table

from service.columns import created_at


class Organization(Table, tablename="organization"):
    """A community, social organization, enterprise or government body."""

    class Kind(str, Enum):
        community = "community"
        social_org = "social_org"
        enterprise = "enterprise"
        government = "government"

    name = Varchar(length=200, unique=True, help_text="Registered name, e.g. 徐家埠社区.")
    kind = Varchar(length=20, choices=Kind, help_text="What kind of body it is.")
    uscc = Varchar(
        length=18,
        null=True,
        default=None,
        unique=True,
        help_text="统一社会信用代码 (GB 32100), checked before saving; enterprises carry one.",
    )
    contact = Varchar(length=200, default="", help_text="Contact person and phone.")
    created_at = created_at()
