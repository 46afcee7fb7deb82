from piccolo.columns import Date, Varchar
from piccolo.table import Table

from service.columns import created_at, restrict_fk
from service.projects.tables import Project


class DisclosureReminder(Table, tablename="disclosure_reminder"):
    """A reminder sent about one due disclosure; the unique key makes each stage of each
    disclosure mailed at most once, however often the schedule runs."""

    key = Varchar(length=120, unique=True, help_text="project:due-kind:due-date:stage.")
    project = restrict_fk(Project, "The project whose disclosure is due.")
    due_on = Date(help_text="When the disclosure is due.")
    stage = Varchar(length=20, help_text="before (coming due) or after (overdue).")
    sent_at = created_at()
