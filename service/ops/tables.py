from enum import Enum

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from service.columns import created_at


class Alert(Table, tablename="ops_alert"):
    """An incident organizers were told about: open until its condition clears, mailed
    once when it opens (not on every check that still sees it)."""

    class Kind(str, Enum):
        ledger_check = "ledger_check"
        outbox_stuck = "outbox_stuck"
        reconciliation = "reconciliation"

    kind = Varchar(length=30, choices=Kind, help_text="What went wrong.")
    incident = Varchar(
        length=200, help_text="Which occurrence, e.g. an outbox row id; one open per kind."
    )
    summary = Text(default="", help_text="What the last check saw.")
    opened_at = created_at()
    last_seen_at = Timestamptz(help_text="Last check that still saw it.")
    resolved_at = Timestamptz(null=True, default=None, help_text="When it cleared.")
    occurrences = Integer(default=1, help_text="Checks that saw it while open.")
