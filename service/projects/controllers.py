"""Projects: the JSON API and the public project page."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.params import PathParameter
from litestar.response import Template

from service.disclosure.fund_use import project_disclosure
from service.projects import services
from service.projects.console_api import ConsoleProjectApi
from service.projects.console_pages import ConsoleProjectPages, cover_file
from service.projects.schemas import ProjectDetail

ProjectId = Annotated[int, PathParameter(gt=0, le=2**31 - 1, description="Project id")]


class ProjectApi(Controller):
    path = "/api/v1/projects"
    tags = ["projects"]

    @get("/{project_id:int}", operation_id="getProject")
    async def get_project(self, project_id: ProjectId) -> ProjectDetail:
        return msgspec.convert(await services.get_public_project(project_id), ProjectDetail)


class ProjectPages(Controller):
    include_in_schema = False

    @get("/projects/{project_id:int}", name="project")
    async def project_page(self, project_id: ProjectId) -> Template:
        project = await services.get_public_project(project_id)
        disclosure = await project_disclosure(project_id)
        return Template(
            "projects/project.html", context={"project": project, "disclosure": disclosure}
        )


ROUTES = [ProjectApi, ProjectPages, ConsoleProjectApi, ConsoleProjectPages, cover_file]
