"""The money of a project being cancelled, over HTTP: the organizers' settlement page (each
donor payment refunded or moved with consent) and the same as a JSON API."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody, PathParameter
from litestar.response import Redirect, Template

from service.auth.guards import CurrentStaff, requires_organizer
from service.auth.services import StaffIdentity
from service.disbursements.cancellation import (
    Choice,
    held_payments,
    move_rest_to_general_fund,
    settle_payment,
)
from service.disbursements.schemas import SettlementIn, SettlementOut
from service.errors import DomainError, InvalidInput
from service.i18n import gettext as _
from service.ledger.balances import project_fund_figures
from service.pledges.forms import text
from service.projects.tables import Project

ProjectId = Annotated[int, PathParameter(gt=0, le=2**31 - 1, description="Project id")]
UrlForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


async def _context(project_id: int, staff: StaffIdentity) -> dict[str, Any]:
    project = (
        await Project.select(Project.id, Project.title, Project.event, Project.status)
        .where(Project.id == project_id)
        .first()
    )
    if project is None:
        raise InvalidInput.on("project_id", _("没有这个项目。"))
    payments = await held_payments(project_id)
    figures = await project_fund_figures(project_id)
    targets = await Project.select(Project.id, Project.title).where(
        (Project.event == project["event"])
        & (Project.id != project_id)
        & Project.status.is_in(["published", "funded", "in_progress"])
    )
    return {
        "staff": staff,
        "project": project,
        "payments": payments,
        "figures": figures,
        "rest_fen": figures.balance - sum(p["held_fen"] for p in payments),
        "targets": targets,
        "errors": [],
    }


def _choice(data: dict[str, Any]) -> Choice:
    try:
        payment_id = uuid.UUID(text(data, "payment_id"))
    except ValueError as exc:
        raise InvalidInput.on("payment_id", _("请选择一笔到账。")) from exc
    target = text(data, "target_project_id")
    return Choice(
        payment_id=payment_id,
        action=text(data, "action"),
        reason=text(data, "reason"),
        reference=text(data, "reference"),
        target_project_id=int(target) if target.isdigit() and len(target) < 10 else None,
        donor_consent=text(data, "donor_consent"),
    )


class SettlementPages(Controller):
    path = "/console/projects"
    include_in_schema = False
    guards = [requires_organizer]

    @get("/{project_id:int}/settlement", name="console_settlement")
    async def page(self, project_id: ProjectId, staff: CurrentStaff) -> Template:
        return Template(
            "console/disbursements/settlement.html", context=await _context(project_id, staff)
        )

    @post("/{project_id:int}/settlement")
    async def settle(
        self, project_id: ProjectId, staff: CurrentStaff, data: UrlForm
    ) -> Response[Any]:
        try:
            if text(data, "action") == "rest":
                await move_rest_to_general_fund(project_id, text(data, "reason"), staff)
            else:
                await settle_payment(project_id, _choice(data), staff)
        except DomainError as exc:
            context = await _context(project_id, staff)
            context["errors"] = [e.message for e in exc.errors] or [exc.detail]
            return Template(
                "console/disbursements/settlement.html", context=context, status_code=exc.status
            )
        return Redirect(f"/console/projects/{project_id}/settlement", status_code=303)


class SettlementApi(Controller):
    path = "/api/v1/console/projects"
    tags = ["disbursements"]

    @post(
        "/{project_id:int}/settlement",
        operation_id="settleProjectPayment",
        guards=[requires_organizer],
        status_code=200,
    )
    async def settle(
        self, project_id: ProjectId, staff: CurrentStaff, data: JSONBody[SettlementIn]
    ) -> SettlementOut:
        """Refund one donor payment of a project (Stripe through the gateway; bank or cash
        with `reference`), or move it — `action` general_fund or project (with
        `target_project_id`) — with `donor_consent` recording how the donor agreed."""
        made = await settle_payment(
            project_id,
            Choice(
                payment_id=data.payment_id,
                action=data.action,
                reason=data.reason,
                reference=data.reference,
                target_project_id=data.target_project_id,
                donor_consent=data.donor_consent,
            ),
            staff,
        )
        balance = (await project_fund_figures(project_id)).balance
        return SettlementOut(made, data.action, balance)
