from enum import Enum

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from service.columns import created_at, money, restrict_fk
from service.events.tables import Event
from service.orgs.tables import Organization


class Project(Table, tablename="project"):
    """A livelihood project (民生实事项目) proposed by an organization."""

    class Status(str, Enum):
        draft = "draft"
        submitted = "submitted"
        changes_requested = "changes_requested"
        approved = "approved"
        rejected = "rejected"
        published = "published"
        funded = "funded"
        in_progress = "in_progress"
        completed = "completed"
        cancelled = "cancelled"

    class Category(str, Enum):
        elderly_care = "elderly_care"
        health = "health"
        accessibility = "accessibility"
        community_space = "community_space"
        fire_safety = "fire_safety"
        environment = "environment"
        education = "education"
        other = "other"

    event = restrict_fk(Event, "The edition the project is published into.", null=True)
    owner_org = restrict_fk(Organization, "The proposing organization.")
    community = restrict_fk(Organization, "The community that benefits.")
    title = Varchar(length=200, help_text="Short title.")
    summary = Text(default="", help_text="What the project does and why.")
    category = Varchar(length=30, choices=Category, help_text="Kind of project.")
    beneficiaries = Text(default="", help_text="Who benefits and how many.")
    implementer = Varchar(length=200, default="", help_text="Who carries the work out.")
    timeline = Text(default="", help_text="Milestones and dates.")
    target_fen = money("Funding target, the sum of the budget lines")
    minimum_fen = money("Least amount that lets the project go ahead", null=True, default=None)
    status = Varchar(length=20, choices=Status, default=Status.draft, help_text="Lifecycle.")
    review_note = Text(default="", help_text="Reviewer's reason for rejecting or returning.")
    cover_image = Varchar(length=300, null=True, default=None, help_text="Stored cover file.")
    created_at = created_at()
    published_at = Timestamptz(null=True, default=None, help_text="When it was published.")


class BudgetLine(Table, tablename="budget_line"):
    """One line of a project's budget; the target is their sum."""

    class Kind(str, Enum):
        equipment = "equipment"
        construction = "construction"
        service = "service"
        operation = "operation"
        other = "other"

    project = restrict_fk(Project, "The project budgeted.")
    position = Integer(default=0, help_text="Order within the budget.")
    item = Varchar(length=200, help_text="What is bought or paid for.")
    amount_fen = money("Amount of the line")
    kind = Varchar(length=20, choices=Kind, default=Kind.other, help_text="Kind of cost.")
