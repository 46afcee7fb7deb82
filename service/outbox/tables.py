from piccolo.columns import JSON, UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from service.columns import created_at


class OutboxMessage(Table, tablename="outbox_message"):
    """A side effect (mail, live update, task) written with the change, sent after commit."""

    id = UUID(primary_key=True)
    topic = Varchar(length=100, help_text="What to do, e.g. receipt.issue or live.totals.")
    payload = JSON(default={}, help_text="Ids and values the handler needs.")
    dedupe_key = Varchar(
        length=200,
        null=True,
        default=None,
        unique=True,
        help_text="Same key, same message: writing it twice is a no-op.",
    )
    created_at = created_at()
    available_at = Timestamptz(help_text="Not delivered before this time.")
    delivered_at = Timestamptz(null=True, default=None, help_text="When handed over.")
    attempts = Integer(default=0, help_text="Delivery attempts so far.")
    last_error = Text(default="", help_text="Why the last attempt failed.")
