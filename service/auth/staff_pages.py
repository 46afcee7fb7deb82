"""Console page listing the staff accounts (organizers only, read-only; accounts are
created with `minsheng create-user`). It replaced Piccolo Admin's staff table."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template

from service.auth.guards import CurrentStaff, requires_organizer
from service.auth.services import staff_directory


class StaffDirectoryPage(Controller):
    path = "/console/staff"
    include_in_schema = False

    @get("/", name="console_staff", guards=[requires_organizer])
    async def index(self, staff: CurrentStaff) -> Template:
        return Template(
            "console/staff.html", context={"staff": staff, "people": await staff_directory()}
        )
