"""Progress reports over HTTP: the owners' form and API, and the public photo files."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, PathParameter
from litestar.response import Redirect, Template

from service.auth.guards import CurrentStaff, requires_owner_or_organizer
from service.auth.services import StaffIdentity
from service.clock import today
from service.disbursements import evidence as files
from service.disbursements.requests import may_act_for
from service.errors import InvalidInput, NotAllowed
from service.i18n import gettext as _
from service.pledges.forms import text
from service.progress.schemas import ReportCreated
from service.progress.services import MAX_PHOTOS, PhotoUpload, ReportInput, photo_file, post_report
from service.progress.tables import ProgressReport

ProjectId = Annotated[int, PathParameter(gt=0, le=2**31 - 1, description="Project id")]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
REQUEST_BYTES = MAX_PHOTOS * files.MAX_PHOTO_BYTES + 1024 * 1024


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError as exc:
        raise InvalidInput.on("report_date", _("日期格式应为 2026-12-31。")) from exc


async def report_from_form(project_id: int, data: dict[str, Any]) -> ReportInput:
    photos = []
    for index in range(MAX_PHOTOS + 1):
        upload = data.get(f"photo_{index}")
        if isinstance(upload, UploadFile) and upload.filename:
            photos.append(
                PhotoUpload(await upload.read(), text(data, f"photo_caption_{index}")[:200])
            )
    return ReportInput(
        project_id=project_id,
        report_date=_date(text(data, "report_date")),
        status=text(data, "status"),
        title=text(data, "title"),
        body=str(data.get("body") or "")[:6000],
        photos=tuple(photos),
    )


async def _context(project_id: int, staff: StaffIdentity) -> dict[str, Any]:
    return {
        "staff": staff,
        "project": await may_act_for(project_id, staff),
        "statuses": [s.value for s in ProgressReport.Status],
        "today": today(),
        "rows": range(3),
        "errors": {},
        "values": {},
    }


class ProgressApi(Controller):
    path = "/api/v1/console/projects"
    tags = ["progress"]

    @post(
        "/{project_id:int}/progress",
        operation_id="postProgressReport",
        guards=[requires_owner_or_organizer],
        status_code=201,
        request_max_body_size=REQUEST_BYTES,
    )
    async def create(
        self, project_id: ProjectId, staff: CurrentStaff, data: Multipart
    ) -> ReportCreated:
        """multipart/form-data: report_date, status (started, milestone, completed, accepted),
        title, body, photo_0…photo_5 (PNG/JPEG/WebP) with photo_caption_i."""
        report = await report_from_form(project_id, data)
        report_id = await post_report(report, staff)
        return ReportCreated(str(report_id), report.status)


class ProgressPages(Controller):
    path = "/console/projects"
    include_in_schema = False

    @get(
        "/{project_id:int}/progress/new",
        name="console_progress_new",
        guards=[requires_owner_or_organizer],
    )
    async def new(self, project_id: ProjectId, staff: CurrentStaff) -> Template:
        return Template("console/progress/new.html", context=await _context(project_id, staff))

    @post(
        "/{project_id:int}/progress/new",
        guards=[requires_owner_or_organizer],
        request_max_body_size=REQUEST_BYTES,
    )
    async def create(
        self, project_id: ProjectId, staff: CurrentStaff, data: Multipart
    ) -> Response[Any]:
        try:
            await post_report(await report_from_form(project_id, data), staff)
        except (InvalidInput, NotAllowed) as exc:
            context = await _context(project_id, staff)
            context["errors"] = {e.field: e.message for e in exc.errors}
            context["detail"] = exc.detail
            context["values"] = {k: text(data, k) for k in ("report_date", "status", "title")}
            context["values"]["body"] = str(data.get("body") or "")[:6000]
            status = 400 if isinstance(exc, InvalidInput) else 422
            return Template("console/progress/new.html", context=context, status_code=status)
        return Redirect(f"/console/projects/{project_id}", status_code=303)


@get("/photos/{name:str}", name="progress_photo", include_in_schema=False)
async def public_photo(name: Annotated[str, PathParameter(max_length=64)]) -> Response[bytes]:
    """Progress photos are public, like the reports they illustrate (read from the file
    storage: a folder or a bucket)."""
    row = await photo_file(name)
    return Response(
        await files.read_file(row["stored_name"]),
        media_type=row["media_type"],
        headers={
            "Content-Disposition": "inline",
            "Cache-Control": "public, max-age=86400",
            "X-Content-Type-Options": "nosniff",
        },
    )


ROUTES = [ProgressApi, ProgressPages, public_photo]
