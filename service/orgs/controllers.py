"""Organizations over the JSON API: staff read them, organizers create and edit them."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import JSONBody, PathParameter, QueryParameter

from service.auth.guards import CurrentStaff, requires_organizer, requires_staff
from service.orgs import services
from service.orgs.console_pages import ConsoleOrganizationPages
from service.orgs.schemas import OrganizationCreate, OrganizationOut, OrganizationUpdate
from service.orgs.services import OrganizationDraft

OrgId = Annotated[int, PathParameter(gt=0, le=2**31 - 1, description="Organization id")]


class OrganizationApi(Controller):
    path = "/api/v1/organizations"
    tags = ["organizations"]

    @get("/", operation_id="listOrganizations", guards=[requires_staff])
    async def list_organizations(
        self, kind: Annotated[str | None, QueryParameter(max_length=20)] = None
    ) -> list[OrganizationOut]:
        rows = await services.list_organizations(kind)
        return msgspec.convert(rows, list[OrganizationOut])

    @get("/{org_id:int}", operation_id="getOrganization", guards=[requires_staff])
    async def get_organization(self, org_id: OrgId) -> OrganizationOut:
        return msgspec.convert(await services.get_organization(org_id), OrganizationOut)

    @post("/", operation_id="createOrganization", guards=[requires_organizer])
    async def create(
        self, staff: CurrentStaff, data: JSONBody[OrganizationCreate]
    ) -> OrganizationOut:
        org_id = await services.create_organization(
            OrganizationDraft(data.name, data.kind, data.uscc, data.contact), staff.actor
        )
        return msgspec.convert(await services.get_organization(org_id), OrganizationOut)

    @patch("/{org_id:int}", operation_id="updateOrganization", guards=[requires_organizer])
    async def update(
        self, staff: CurrentStaff, org_id: OrgId, data: JSONBody[OrganizationUpdate]
    ) -> OrganizationOut:
        changes = {
            field: getattr(data, field)
            for field in data.__struct_fields__
            if getattr(data, field) is not None
        }
        if "uscc" in changes and changes["uscc"] == "":
            changes["uscc"] = None
        await services.update_organization(org_id, changes, staff.actor)
        return msgspec.convert(await services.get_organization(org_id), OrganizationOut)


ROUTES = [OrganizationApi, ConsoleOrganizationPages]
