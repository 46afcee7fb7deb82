"""Console pages for matching pools (配捐): the list and a create form, a pool's page with
fund / pause / resume / close, and the review queue of held matches."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, PathParameter
from litestar.response import Redirect, Template

from service.auth.guards import CurrentStaff, requires_financial_reader, requires_organizer
from service.auth.services import StaffIdentity
from service.errors import DomainError, InvalidInput
from service.events.tables import Event
from service.i18n import gettext as _
from service.matching import drafts, pools, queries, ratios, review
from service.money import MoneyError, parse_yuan
from service.orgs.tables import Organization
from service.projects.tables import Project

UrlForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
PoolId = Annotated[int, PathParameter(gt=0, le=2**31 - 1)]
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
FIELDS = (
    "event",
    "sponsor_org_id",
    "name",
    "total",
    "ratio",
    "cap_per_gift",
    "cap_per_project",
    "cap_per_donor_day",
    "starts_at",
    "ends_at",
)


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value.strip()[:300] if isinstance(value, str) else ""


def _ids(data: dict[str, Any], name: str) -> tuple[int, ...]:
    value = data.get(name, [])
    values = value if isinstance(value, list) else [value]
    return tuple(int(v) for v in values if isinstance(v, str) and v.isdigit() and len(v) < 10)


def _fen(form: dict[str, str], name: str, field: str, required: bool = False) -> int | None:
    text = form.get(name, "")
    if not text:
        if required:
            raise InvalidInput.on(field, _("必填。"))
        return None
    try:
        fen = parse_yuan(text)
    except MoneyError as exc:
        raise InvalidInput.on(field, _("请填写以元为单位的金额，如 50000 或 1234.50。")) from exc
    if fen <= 0:
        raise InvalidInput.on(field, _("金额必须大于0。"))
    return fen


def _moment(text: str, field: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)
    except ValueError as exc:
        raise InvalidInput.on(field, _("请填写日期和时间，如 2026-12-05T09:00。")) from exc


async def _draft(form: dict[str, str], projects: tuple[int, ...]) -> drafts.PoolDraft:
    if not form["event"].isdigit() or not form["sponsor_org_id"].isdigit():
        raise InvalidInput.on("event", _("请选择届次和出资方。"))
    numerator, denominator = ratios.parse_ratio(form["ratio"] or "1:1")
    return drafts.PoolDraft(
        event_id=await queries.event_id_of(int(form["event"][:5])),
        sponsor_org_id=int(form["sponsor_org_id"][:9]),
        name=form["name"],
        total_fen=_fen(form, "total", "total_fen", required=True) or 0,
        ratio_numerator=numerator,
        ratio_denominator=denominator,
        cap_per_gift_fen=_fen(form, "cap_per_gift", "cap_per_gift_fen"),
        cap_per_project_fen=_fen(form, "cap_per_project", "cap_per_project_fen"),
        cap_per_donor_day_fen=_fen(form, "cap_per_donor_day", "cap_per_donor_day_fen"),
        eligible_project_ids=projects,
        starts_at=_moment(form["starts_at"], "starts_at"),
        ends_at=_moment(form["ends_at"], "ends_at"),
    )


async def _index_context(
    staff: StaffIdentity, errors: dict[str, str] | None = None, form: dict[str, Any] | None = None
) -> dict[str, Any]:
    events = await Event.select(Event.id, Event.number, Event.title).order_by(
        Event.number, ascending=False
    )
    projects = await Project.select(Project.id, Project.title, Project.event).where(
        Project.status.is_in(["published", "funded", "in_progress", "completed"])
    )
    return {
        "staff": staff,
        "pools": await queries.list_pools(),
        "events": events,
        "sponsors": await Organization.select(Organization.id, Organization.name).order_by(
            Organization.name
        ),
        "projects": projects,
        "held_count": len(await queries.held_decisions()),
        "errors": errors or {},
        "form": form or {},
    }


def _errors(exc: DomainError) -> dict[str, str]:
    """Field errors keyed by the form's names (the service's `total_fen` is `total`…)."""
    return {e.field.removesuffix("_fen"): e.message for e in exc.errors} or {"form": exc.detail}


class ConsoleMatchingPages(Controller):
    path = "/console/matching"
    include_in_schema = False

    @get("/", name="console_matching", guards=[requires_financial_reader])
    async def index(self, staff: CurrentStaff) -> Template:
        return Template("console/matching/index.html", context=await _index_context(staff))

    @post("/", guards=[requires_organizer])
    async def create(self, staff: CurrentStaff, data: UrlForm) -> Response[Any]:
        form: dict[str, Any] = {key: _text(data, key) for key in FIELDS}
        form["projects"] = _ids(data, "projects")
        try:
            draft = await _draft(form, form["projects"])
            pool_id = await pools.create_pool(draft, staff.actor, fund=bool(data.get("fund")))
        except DomainError as exc:
            return Template(
                "console/matching/index.html",
                context=await _index_context(staff, _errors(exc), form),
                status_code=exc.status,
            )
        return Redirect(f"/console/matching/{pool_id}", status_code=303)

    @get("/review", name="console_matching_review", guards=[requires_organizer])
    async def review(self, staff: CurrentStaff) -> Template:
        return Template(
            "console/matching/review.html",
            context={"staff": staff, "held": await queries.held_decisions(), "errors": {}},
        )

    @post("/review/{decision_id:uuid}", guards=[requires_organizer])
    async def decide(
        self, staff: CurrentStaff, decision_id: FromPath[uuid.UUID], data: UrlForm
    ) -> Response[Any]:
        reason, verdict = _text(data, "reason"), _text(data, "verdict")
        try:
            if verdict == "release":
                await review.release_held(decision_id, reason, staff.actor)
            elif verdict == "refuse":
                await review.refuse_held(decision_id, reason, staff.actor)
            else:
                raise InvalidInput.on("verdict", _("请选择放行或拒绝。"))
        except DomainError as exc:
            return Template(
                "console/matching/review.html",
                context={
                    "staff": staff,
                    "held": await queries.held_decisions(),
                    "errors": {str(decision_id): exc.detail},
                },
                status_code=exc.status,
            )
        return Redirect("/console/matching/review", status_code=303)

    @get("/{pool_id:int}", name="console_matching_pool", guards=[requires_financial_reader])
    async def pool(self, staff: CurrentStaff, pool_id: PoolId) -> Template:
        return Template("console/matching/pool.html", context=await _pool_context(staff, pool_id))

    @post("/{pool_id:int}", guards=[requires_organizer])
    async def act(self, staff: CurrentStaff, pool_id: PoolId, data: UrlForm) -> Response[Any]:
        action, reason = _text(data, "action"), _text(data, "reason")
        try:
            if action == "fund":
                await pools.fund_pool(pool_id, staff.actor)
            else:
                await pools.set_pool_state(pool_id, action, reason, staff.actor)
        except DomainError as exc:
            context = await _pool_context(staff, pool_id)
            context["errors"] = {e.field: e.message for e in exc.errors} or {"form": exc.detail}
            return Template("console/matching/pool.html", context=context, status_code=exc.status)
        return Redirect(f"/console/matching/{pool_id}", status_code=303)


async def _pool_context(staff: StaffIdentity, pool_id: int) -> dict[str, Any]:
    pool = await queries.get_pool(pool_id)
    titles = {
        row["id"]: row["title"]
        for row in await Project.select(Project.id, Project.title).where(
            Project.event == pool["event"]
        )
    }
    return {
        "staff": staff,
        "pool": pool,
        "project_titles": titles,
        "allocations": await queries.allocations(pool_id=pool_id),
        "errors": {},
    }
