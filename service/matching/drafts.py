"""What a new pool must be: `PoolDraft` and its checks (positive, consistent ratio and
caps, a window that ends after it starts, an edition, sponsor and projects that exist)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from service.errors import FieldError, InvalidInput, NotFound
from service.events.tables import Event
from service.i18n import gettext as _
from service.money import format_yuan
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


MAX_NAME = 200
CAP_FIELDS = ("cap_per_gift_fen", "cap_per_project_fen", "cap_per_donor_day_fen")


def check_draft(draft: PoolDraft) -> None:
    """Refuse a draft with every field error found (the first one is the detail)."""
    errors: list[FieldError] = []

    def bad(name: str, message: str) -> None:
        errors.append(FieldError(name, message))

    total_ok = type(draft.total_fen) is int and draft.total_fen > 0
    if not total_ok:
        bad("total_fen", _("总额必须是大于0的金额。"))
    if not (
        type(draft.ratio_numerator) is int
        and type(draft.ratio_denominator) is int
        and draft.ratio_numerator > 0
        and draft.ratio_denominator > 0
    ):
        bad("ratio", _("配捐比例必须大于0。"))
    caps = {}
    for name in CAP_FIELDS:
        cap = getattr(draft, name)
        if cap is None:
            continue
        if type(cap) is not int or cap <= 0:
            bad(name, _("上限必须是大于0的金额。"))
        elif total_ok and cap > draft.total_fen:
            bad(
                name,
                _("上限不能超过配捐池总额（%(total)s）。")
                % {"total": format_yuan(draft.total_fen)},
            )
        else:
            caps[name] = cap
    gift, project = caps.get("cap_per_gift_fen"), caps.get("cap_per_project_fen")
    if gift is not None and project is not None and gift > project:
        bad("cap_per_gift_fen", _("每笔上限不能超过每个项目上限。"))
    if not draft.name.strip():
        bad("name", _("请填写配捐池名称。"))
    elif len(draft.name.strip()) > MAX_NAME:
        bad("name", _("不能超过%(n)s个字符。") % {"n": MAX_NAME})
    if draft.starts_at and draft.ends_at and draft.starts_at >= draft.ends_at:
        bad("ends_at", _("结束时间必须晚于开始时间。"))
    if errors:
        raise InvalidInput(errors[0].message, errors)


async def check_references(draft: PoolDraft) -> None:
    """The edition, the sponsor and every eligible project exist (projects of the edition)."""
    if not await Event.exists().where(Event.id == draft.event_id):
        raise NotFound.on("event", _("没有这一届众筹会。"))
    if not await Organization.exists().where(Organization.id == draft.sponsor_org_id):
        raise InvalidInput.on("sponsor_org_id", _("没有这个组织。"))
    if draft.eligible_project_ids:
        found = await Project.select(Project.id).where(
            Project.id.is_in(list(draft.eligible_project_ids)) & (Project.event == draft.event_id)
        )
        missing = set(draft.eligible_project_ids) - {row["id"] for row in found}
        if missing:
            raise InvalidInput.on(
                "eligible_project_ids",
                _("这些项目不属于这一届：%(ids)s") % {"ids": ", ".join(map(str, sorted(missing)))},
            )
