"""The public pledge form's endpoint on project pages."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, PathParameter
from litestar.response import Redirect, Template

from service.audit.services import Actor
from service.donors.links import current_token
from service.errors import DomainError
from service.pledges import services
from service.pledges.forms import public_pledge, text, to_draft
from service.pledges.screening import screen_online_pledge
from service.projects.services import get_public_project
from service.web.ratelimit import RateLimited

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
ProjectId = Annotated[int, PathParameter(gt=0, le=2**31 - 1)]


def _form_key(form: dict[str, Any]) -> str | None:
    key = text(form, "form_key")
    return f"form:{key}" if 8 <= len(key) <= 64 and key.isalnum() else None


class PublicPledgePages(Controller):
    include_in_schema = False

    @post("/projects/{project_id:int}/pledge")
    async def submit(self, request: Request, project_id: ProjectId, data: Form) -> Response[Any]:
        project = await get_public_project(project_id)
        try:
            created = public_pledge(data, project["event_number"], project_id)
            notify = await screen_online_pledge(request, created.donor)
            result = await services.create_pledge(
                to_draft(created),
                Actor("donor (pledge form)"),
                _form_key(data),
                notify_donor=notify,
            )
        except DomainError as exc:
            values = {key: text(data, key) for key in data if key != "_csrf_token"}
            return Template(
                "projects/project.html",
                context={
                    "project": project,
                    "pledge_errors": exc.errors or [{"field": "form", "message": exc.detail}],
                    "pledge_values": values,
                },
                status_code=exc.status,
                headers={"Retry-After": str(exc.retry_after)}
                if isinstance(exc, RateLimited)
                else {},
            )
        pledge = await services.get_pledge(result.pledge_id)
        token = await current_token(pledge["donor"])
        return Redirect(f"/donor/{token}?pledge={result.pledge_id}", status_code=303)


ROUTES = [PublicPledgePages]
