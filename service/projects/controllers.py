"""Projects: the JSON API and the public project page."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, MediaType, Request, Response, get
from litestar.params import PathParameter

from service.disclosure.fund_use import project_disclosure
from service.projects import services
from service.projects.console_api import ConsoleProjectApi
from service.projects.console_pages import ConsoleProjectPages, cover_file
from service.projects.schemas import ProjectDetail
from service.timefmt import when
from service.tracking import charts
from service.tracking.services import project_history
from service.web.public_cache import render_page

ProjectId = Annotated[int, PathParameter(gt=0, le=2**31 - 1, description="Project id")]


class ProjectApi(Controller):
    path = "/api/v1/projects"
    tags = ["projects"]

    @get("/{project_id:int}", operation_id="getProject", cache=True)
    async def get_project(self, project_id: ProjectId) -> ProjectDetail:
        return msgspec.convert(await services.get_public_project(project_id), ProjectDetail)


class ProjectPages(Controller):
    include_in_schema = False

    @get("/projects/{project_id:int}", name="project")
    async def project_page(self, request: Request, project_id: ProjectId) -> Response[str]:
        async def context() -> dict:
            project, figures = await services.public_project_and_figures(project_id)
            series = await project_history(project_id, project["title"], project["target_fen"])
            chart = {"w": 600, "h": 160, "y100": charts.percent_y(100, 160)}
            return {
                "project": project,
                "funding_lines": charts.lines([series], chart["w"], chart["h"]),
                "funding_chart": chart,
                "funding_span": [when(moment) for moment in charts.time_span([series]) or ()],
                "disclosure": await project_disclosure(project_id, figures),
            }

        # Rendered once per content version and language; the form's slots per visitor.
        html = await render_page(request, f"project:{project_id}", "projects/project.html", context)
        return Response(html, media_type=MediaType.HTML)


ROUTES = [ProjectApi, ProjectPages, ConsoleProjectApi, ConsoleProjectPages, cover_file]
