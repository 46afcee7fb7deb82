"""Posting progress reports and reading a project's timeline.

Owners (or organizers for them) report on funded, running and completed projects: a
dated text, photos checked by their bytes, and where the project stands — started,
milestone reached, completed (the final report, without which the project cannot be
completed) or accepted (after acceptance; the final fund-use disclosure)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from service.audit.services import record
from service.auth.services import StaffIdentity
from service.clock import today
from service.db import write_transaction
from service.disbursements import evidence as files
from service.disbursements.requests import may_act_for
from service.errors import FieldError, InvalidInput, NotAllowed, NotFound
from service.i18n import gettext as _
from service.locks import lock_row
from service.progress.records import PhotoFile, TimelinePhoto, TimelineReport
from service.progress.tables import ProgressPhoto, ProgressReport
from service.projects.tables import Project

Status = ProgressReport.Status
FINAL = Status.completed
REPORTABLE = {
    Status.started: (Project.Status.funded, Project.Status.in_progress),
    Status.milestone: (Project.Status.funded, Project.Status.in_progress),
    Status.completed: (Project.Status.in_progress,),
    Status.accepted: (Project.Status.completed,),
}
"""Which report a project in which state may receive."""
MAX_PHOTOS = 6
MAX_BODY = 5000


@dataclass(frozen=True)
class PhotoUpload:
    data: bytes
    caption: str = ""


@dataclass(frozen=True)
class ReportInput:
    project_id: int
    report_date: dt.date | None
    status: str
    title: str
    body: str = ""
    photos: tuple[PhotoUpload, ...] = field(default_factory=tuple)


def _check(report: ReportInput) -> list[FieldError]:
    errors = []
    if report.status not in Status.__members__:
        errors.append(FieldError("status", _("请选择项目进展状态。")))
    if report.report_date is None:
        errors.append(FieldError("report_date", _("请填写日期。")))
    elif report.report_date > today():
        errors.append(FieldError("report_date", _("日期不能晚于今天。")))
    if not report.title.strip():
        errors.append(FieldError("title", _("请用一句话说明进展。")))
    if len(report.title) > 200:
        errors.append(FieldError("title", _("不能超过%(n)s个字符。") % {"n": 200}))
    if len(report.body) > MAX_BODY:
        errors.append(FieldError("body", _("不能超过%(n)s个字符。") % {"n": MAX_BODY}))
    if len(report.photos) > MAX_PHOTOS:
        errors.append(FieldError("photos", _("照片最多%(n)s张。") % {"n": MAX_PHOTOS}))
    return errors


async def post_report(report: ReportInput, staff: StaffIdentity) -> uuid.UUID:
    await may_act_for(report.project_id, staff)
    errors = _check(report)
    checked = []
    for index, photo in enumerate(report.photos):
        try:
            checked.append(
                (
                    files.check_file(
                        photo.data,
                        f"photos[{index}]",
                        allowed=files.IMAGES,
                        max_bytes=files.MAX_PHOTO_BYTES,
                    ),
                    photo,
                )
            )
        except InvalidInput as exc:
            errors.extend(exc.errors)
    if errors:
        raise InvalidInput(_("进展报告不完整"), errors)
    status = Status(report.status)
    report_id = uuid.uuid4()
    written: list[str] = []
    try:
        async with write_transaction():
            await lock_row(Project, report.project_id)
            row = (
                await Project.select(Project.status).where(Project.id == report.project_id).first()
            )
            if Project.Status(row["status"]) not in REPORTABLE[status]:
                raise NotAllowed.on(
                    "status",
                    _("项目当前状态（%(project)s）不能发布“%(status)s”进展。")
                    % {"project": row["status"], "status": status.value},
                )
            await ProgressReport.insert(
                ProgressReport(
                    id=report_id,
                    project=report.project_id,
                    report_date=report.report_date,
                    status=status.value,
                    title=report.title.strip(),
                    body=report.body.strip(),
                    created_by=staff.id,
                )
            )
            for item, photo in checked:
                name = files.write_file(item)
                written.append(name)
                await ProgressPhoto.insert(
                    ProgressPhoto(
                        id=uuid.uuid4(),
                        report=report_id,
                        stored_name=name,
                        media_type=item.media_type,
                        size_bytes=item.size_bytes,
                        caption=photo.caption.strip()[:200],
                    )
                )
            await record(
                staff.actor,
                "progress.report",
                "project",
                report.project_id,
                data={
                    "report": str(report_id),
                    "status": status.value,
                    "date": report.report_date.isoformat() if report.report_date else None,
                },
            )
    except BaseException:
        files.remove_files(written)
        raise
    return report_id


async def require_final_report(project_id: int) -> None:
    """Inside the completion's transaction: a project is completed only with a final
    (`completed`) progress report."""
    if not await ProgressReport.exists().where(
        (ProgressReport.project == project_id) & (ProgressReport.status == FINAL.value)
    ):
        raise NotAllowed.on(
            "status", _("请项目方先发布“已完成”的最终进展报告，再将项目标记为完成。")
        )


async def timelines(project_ids: Iterable[int]) -> dict[int, list[TimelineReport]]:
    """Reports per project in calendar order, each with its photos."""
    ids = list(project_ids)
    if not ids:
        return {}
    reports = (
        await ProgressReport.select(
            ProgressReport.id,
            ProgressReport.project,
            ProgressReport.report_date,
            ProgressReport.status,
            ProgressReport.title,
            ProgressReport.body,
        )
        .where(ProgressReport.project.is_in(ids))
        .order_by(ProgressReport.report_date)
        .order_by(ProgressReport.created_at)
    )
    photos = (
        await ProgressPhoto.select(
            ProgressPhoto.report, ProgressPhoto.stored_name, ProgressPhoto.caption
        )
        .where(ProgressPhoto.report.is_in([r["id"] for r in reports]))
        .order_by(ProgressPhoto.created_at)
        if reports
        else []
    )
    by_report: dict[uuid.UUID, list[TimelinePhoto]] = {}
    for photo in photos:
        photo["url"] = f"/photos/{photo['stored_name']}"
        by_report.setdefault(photo["report"], []).append(photo)
    found: dict[int, list[TimelineReport]] = {}
    for report in reports:
        report["photos"] = by_report.get(report["id"], [])
        found.setdefault(report["project"], []).append(report)
    return found


async def photo_file(name: str) -> PhotoFile:
    row = (
        await ProgressPhoto.select(ProgressPhoto.stored_name, ProgressPhoto.media_type)
        .where(ProgressPhoto.stored_name == name)
        .first()
    )
    if row is None:
        raise NotFound.on("name", _("没有这个文件。"))
    return row
