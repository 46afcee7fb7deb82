"""The shapes of the project rows the services read and hand around (Piccolo selects
are plain dicts): typed records that document the keys, nothing at run time."""

from __future__ import annotations

import datetime as dt
from typing import Any, NotRequired, TypedDict


class BudgetItem(TypedDict):
    """A budget line as projects are shown with it."""

    item: str
    amount_fen: int
    kind: str


class ProjectCore(TypedDict):
    """What every read of a project carries."""

    id: int
    title: str
    summary: str
    category: str
    status: str
    target_fen: int
    minimum_fen: int | None
    beneficiaries: str
    implementer: str


class ProjectListRow(ProjectCore):
    """A published project as the portfolio reads it (`services._LIST_COLUMNS`)."""

    cover_image: str | None
    event: int | None
    event_number: int | None
    event_status: str | None
    community: str
    """The community organization's name."""
    owner: str
    """The owner organization's name."""


class PublicProject(ProjectListRow):
    """A published project with its ledger figures (`services.with_figures`,
    `list_public_projects`, `get_public_project`)."""

    totals: dict[str, int]
    """`target` and `FundFigures.as_dict()`."""
    funded_percent: int
    cover_url: str | None
    timeline: NotRequired[str]
    """Only on one project (`get_public_project`)."""
    budget: NotRequired[list[BudgetItem]]
    """Only on one project (`get_public_project`)."""


class StaffProject(ProjectCore):
    """A project on the console (`proposals.get_for_staff`, `list_for_staff`)."""

    timeline: str
    review_note: str
    cover_image: str | None
    event: int | None
    owner_org: int
    community: int
    created_at: dt.datetime
    published_at: dt.datetime | None
    event_number: int | None
    community_name: str
    owner_name: str
    budget: NotRequired[list[BudgetItem]]
    """Only on one project (`get_for_staff`)."""


class AuditLine(TypedDict):
    """A line of a project's audit trail (`proposals.audit_trail`)."""

    created_at: dt.datetime
    actor_label: str
    action: str
    reason: str
    data: dict[str, Any]
