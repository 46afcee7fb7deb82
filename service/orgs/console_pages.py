"""Console page for organizations: the list, and a create form for organizers (an
enterprise's 统一社会信用代码 is checked; a bad one is refused with the reason)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from service.auth.guards import CurrentStaff, requires_organizer, requires_staff
from service.auth.services import StaffIdentity
from service.errors import DomainError
from service.orgs import services
from service.orgs.services import OrganizationDraft
from service.orgs.tables import Organization
from service.web.forms import text

UrlForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


async def _page(
    staff: StaffIdentity, errors: dict[str, str] | None = None, form: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "staff": staff,
        "organizations": await services.list_organizations(),
        "kinds": [k.value for k in Organization.Kind],
        "errors": errors or {},
        "form": form or {},
    }


class ConsoleOrganizationPages(Controller):
    path = "/console/organizations"
    include_in_schema = False

    @get("/", name="console_organizations", guards=[requires_staff])
    async def index(self, staff: CurrentStaff) -> Template:
        return Template("console/organizations.html", context=await _page(staff))

    @post("/", guards=[requires_organizer])
    async def create(self, staff: CurrentStaff, data: UrlForm) -> Response[Any]:
        form = {key: text(data, key)[:300] for key in ("name", "kind", "uscc", "contact")}
        try:
            await services.create_organization(
                OrganizationDraft(
                    form["name"], form["kind"], form["uscc"] or None, form["contact"]
                ),
                staff.actor,
            )
        except DomainError as exc:
            errors = {e.field: e.message for e in exc.errors}
            return Template(
                "console/organizations.html",
                context=await _page(staff, errors, form),
                status_code=exc.status,
            )
        return Redirect("/console/organizations", status_code=303)
