"""Donor links: the donor's own page, and revoking links (organizers)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody, PathParameter
from litestar.response import Template

from service.auth.guards import CurrentStaff, requires_organizer
from service.disclosure.fund_use import donor_projects
from service.donors.links import (
    confirm_contact,
    donor_for_token,
    link_url,
    reissue_link,
    revoke_links,
)
from service.donors.privacy import erase_donor
from service.donors.schemas import DonorLinkOut, EraseIn
from service.donors.tables import Donor
from service.pledges.tracking import donor_pledges
from service.settings import get_settings
from service.web.forms import checked, text

Token = Annotated[str, PathParameter(max_length=120, description="Signed donor link token")]


class DonorPages(Controller):
    include_in_schema = False

    @get("/donor/{token:str}", name="donor")
    async def page(self, token: Token, confirm: FromQuery[str | None] = None) -> Template:
        donor_id = await donor_for_token(token)
        if confirm:
            await confirm_contact(donor_id, confirm)
        donor = await Donor.select().where(Donor.id == donor_id).first()
        pledges = await donor_pledges(donor_id)
        settings = get_settings()
        return Template(
            "donors/donor.html",
            context={
                "donor": donor,
                "pledges": pledges,
                "due_fen": sum(p["outstanding_fen"] for p in pledges),
                "paid_fen": sum(p["paid_fen"] for p in pledges),
                "money_went": await donor_projects(donor_id),
                "online_payments": bool(settings.stripe_secret_key),
                "bank": {
                    "name": settings.bank_account_name,
                    "number": settings.bank_account_number,
                    "bank": settings.bank_name,
                },
            },
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )


class DonorApi(Controller):
    path = "/api/v1/donors"
    tags = ["donors"]

    @post(
        "/{donor_id:uuid}/revoke-links",
        operation_id="revokeDonorLinks",
        guards=[requires_organizer],
        status_code=200,
    )
    async def revoke(self, donor_id: FromPath[uuid.UUID], staff: CurrentStaff) -> DonorLinkOut:
        """Invalidate every link the donor has; the answer carries their new link."""
        token = await revoke_links(donor_id, staff.actor)
        return DonorLinkOut(donor_id, link_url(token))

    @post(
        "/{donor_id:uuid}/erase",
        operation_id="eraseDonor",
        guards=[requires_organizer],
        status_code=204,
    )
    async def erase(
        self, donor_id: FromPath[uuid.UUID], data: JSONBody[EraseIn], staff: CurrentStaff
    ) -> None:
        """Erase the donor's name and contact (ledger and receipts stay, as 爱心人士)."""
        await erase_donor(donor_id, staff.actor, data.reason)


class DonorConsolePages(Controller):
    path = "/console/donors"
    include_in_schema = False

    @post("/{donor_id:uuid}/revoke-links", guards=[requires_organizer], status_code=200)
    async def revoke(
        self,
        donor_id: FromPath[uuid.UUID],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
        staff: CurrentStaff,
    ) -> Template:
        """Revoke a donor's links (a leaked link, a changed address) and hand over the new one."""
        new = await reissue_link(
            donor_id, staff.actor, text(data, "reason"), mail=checked(data, "mail")
        )
        back = text(data, "event")
        return Template(
            "console/donor_link.html",
            context={
                "staff": staff,
                "new": new,
                "back": f"/console/pledges?event={back}" if back.isdigit() else "/console/pledges",
            },
        )


ROUTES = [DonorPages, DonorApi, DonorConsolePages]
