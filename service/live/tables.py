from piccolo.columns import JSON, UUID, BigInt, BigSerial, Varchar
from piccolo.table import Table

from service.columns import created_at, restrict_fk
from service.events.tables import Event


class LiveEvent(Table, tablename="live_event"):
    """One update of an edition's live screen, in commit order: the durable history
    behind Last-Event-ID (Redis keeps a copy for speed and may lose it)."""

    id = BigSerial(primary_key=True, help_text="The SSE event id; ascending in commit order.")
    event = restrict_fk(Event, "The edition shown.")
    prev = BigInt(default=0, help_text="Id of the edition's previous live event (0: first).")
    source = UUID(unique=True, help_text="The outbox row it was made from (delivered once).")
    kind = Varchar(length=30, help_text="pledge, payment, pledge_released, match…")
    payload = JSON(default={}, help_text="Public figures only: never a hidden name or contact.")
    created_at = created_at()
