from enum import Enum

from piccolo.columns import UUID, BigInt, Date, Text, Varchar
from piccolo.table import Table

from service.auth.tables import StaffUser
from service.columns import created_at, restrict_fk
from service.projects.tables import Project


class ProgressReport(Table, tablename="progress_report"):
    """A dated update on a project, published on its page and in donors' links. A report
    with status `completed` is the final report a project needs to be completed; one
    with status `accepted` is the final fund-use disclosure after acceptance."""

    class Status(str, Enum):
        started = "started"
        milestone = "milestone"
        completed = "completed"
        accepted = "accepted"

    id = UUID(primary_key=True)
    project = restrict_fk(Project, "The project reported on.")
    report_date = Date(help_text="The date the report speaks for.")
    status = Varchar(length=20, choices=Status, help_text="Where the project stands.")
    title = Varchar(length=200, help_text="One line: what happened.")
    body = Text(default="", help_text="What was done, for whom, with what money.")
    created_by = restrict_fk(StaffUser, "Who posted it.", null=True)
    created_at = created_at()


class ProgressPhoto(Table, tablename="progress_photo"):
    """A photo of a progress report, stored like covers."""

    id = UUID(primary_key=True)
    report = restrict_fk(ProgressReport, "The report it illustrates.")
    stored_name = Varchar(length=64, unique=True, help_text="Random stored file name.")
    media_type = Varchar(length=40, help_text="Type found from the bytes.")
    size_bytes = BigInt(help_text="File size.")
    caption = Varchar(length=200, default="", help_text="What the photo shows.")
    created_at = created_at()
