from piccolo.columns import Timestamptz
from piccolo.table import Table

from service.columns import money, restrict_fk
from service.projects.tables import Project


class ProjectSnapshot(Table, tablename="project_snapshot"):
    """A periodic picture of a project's funding, kept as history for charts."""

    project = restrict_fk(Project, "The project pictured.")
    taken_at = Timestamptz(help_text="When the snapshot was taken.")
    target_fen = money("Target")
    pledged_fen = money("Pledged")
    received_fen = money("Received")
    matched_fen = money("Matched")
    refunded_fen = money("Refunded")
    disbursed_fen = money("Disbursed")
    balance_fen = money("Balance")
