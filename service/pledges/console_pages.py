"""Console: pledge-to-payment tracking (organizers and auditors) and cancelling pledges."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from service.auth.guards import CurrentStaff, requires_financial_reader, requires_organizer
from service.bounds import OptionalEventNumber
from service.donors.privacy import log_contact_view
from service.pledges.forms import text
from service.pledges.lifecycle import cancel_pledge
from service.pledges.tracking import console_event, event_tracking, recent_pledges

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


class PledgeConsolePages(Controller):
    path = "/console/pledges"
    include_in_schema = False

    @get("/", name="pledge-tracking", guards=[requires_financial_reader])
    async def page(self, staff: CurrentStaff, event: OptionalEventNumber = None) -> Template:
        current = await console_event(event)
        tracking = await event_tracking(current["number"])
        shown = sum(1 for row in tracking["overdue"] if row["contact"])
        await log_contact_view(staff.actor, "console pledges", current["number"], shown)
        return Template(
            "console/pledges.html",
            context={
                "staff": staff,
                "event": current,
                "tracking": tracking,
                "recent": await recent_pledges(current["id"], limit=50),
            },
        )

    @post("/{pledge_id:uuid}/cancel", guards=[requires_organizer])
    async def cancel(
        self, pledge_id: FromPath[uuid.UUID], data: Form, staff: CurrentStaff
    ) -> Redirect:
        await cancel_pledge(pledge_id, text(data, "reason"), staff.actor)
        event = text(data, "event")
        return Redirect(
            f"/console/pledges?event={event}" if event.isdigit() else "/console/pledges",
            status_code=303,
        )
