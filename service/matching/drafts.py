"""What a new pool must be: `PoolDraft` and its checks (positive, consistent ratio and
caps, a window that ends after it starts, an edition, sponsor and projects that exist)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from service.errors import FieldError, InvalidInput, NotFound
from service.events.tables import Event
from service.orgs.tables import Organization
from service.projects.tables import Project


@dataclass(frozen=True)
class PoolDraft:
    event_id: int
    sponsor_org_id: int
    name: str
    total_fen: int
    ratio_numerator: int = 1
    ratio_denominator: int = 1
    cap_per_gift_fen: int | None = None
    cap_per_project_fen: int | None = None
    cap_per_donor_day_fen: int | None = None
    eligible_project_ids: tuple[int, ...] = field(default_factory=tuple)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None


CAP_FIELDS = ("cap_per_gift_fen", "cap_per_project_fen", "cap_per_donor_day_fen")


def check_draft(draft: PoolDraft) -> None:
    """Refuse a draft with every field error found (the first one is the detail)."""
    errors: list[FieldError] = []

    def bad(name: str, message: str) -> None:
        errors.append(FieldError(name, message))

    total_ok = type(draft.total_fen) is int and draft.total_fen > 0
    if not total_ok:
        bad("total_fen", "must be a positive whole number of fen")
    if not (
        type(draft.ratio_numerator) is int
        and type(draft.ratio_denominator) is int
        and draft.ratio_numerator > 0
        and draft.ratio_denominator > 0
    ):
        bad("ratio", "the matching ratio must be positive")
    caps = {}
    for name in CAP_FIELDS:
        cap = getattr(draft, name)
        if cap is None:
            continue
        if type(cap) is not int or cap <= 0:
            bad(name, "a cap must be a positive whole number of fen")
        elif total_ok and cap > draft.total_fen:
            bad(name, f"a cap cannot be larger than the pool's total ({draft.total_fen} fen)")
        else:
            caps[name] = cap
    gift, project = caps.get("cap_per_gift_fen"), caps.get("cap_per_project_fen")
    if gift is not None and project is not None and gift > project:
        bad("cap_per_gift_fen", "the cap per gift cannot exceed the cap per project")
    if not draft.name.strip():
        bad("name", "the pool needs a name")
    elif len(draft.name.strip()) > 200:
        bad("name", "at most 200 characters")
    if draft.starts_at and draft.ends_at and draft.starts_at >= draft.ends_at:
        bad("ends_at", "the window must end after it starts")
    if errors:
        raise InvalidInput(errors[0].message, errors)


async def check_references(draft: PoolDraft) -> None:
    """The edition, the sponsor and every eligible project exist (projects of the edition)."""
    if not await Event.exists().where(Event.id == draft.event_id):
        raise NotFound.on("event", "no such edition")
    if not await Organization.exists().where(Organization.id == draft.sponsor_org_id):
        raise InvalidInput.on("sponsor_org_id", "no such organization")
    if draft.eligible_project_ids:
        found = await Project.select(Project.id).where(
            Project.id.is_in(list(draft.eligible_project_ids)) & (Project.event == draft.event_id)
        )
        missing = set(draft.eligible_project_ids) - {row["id"] for row in found}
        if missing:
            raise InvalidInput.on(
                "eligible_project_ids",
                f"not projects of this edition: {', '.join(map(str, sorted(missing)))}",
            )
