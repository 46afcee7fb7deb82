"""Cover images: checked by their first bytes (PNG, JPEG or WebP) and size, stored under
<data_dir>/uploads with a random name, served by that name."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from service.audit.services import record
from service.auth.services import StaffIdentity
from service.auth.tables import StaffUser
from service.db import write_transaction
from service.errors import Forbidden, InvalidInput, NotAllowed, NotFound
from service.i18n import gettext as _
from service.locks import lock_row
from service.projects.proposals import get_for_staff
from service.projects.tables import Project
from service.projects.workflow import EDITABLE_BY_ORGANIZER, EDITABLE_BY_OWNER
from service.settings import get_settings

MAX_COVER_BYTES = 2 * 1024 * 1024
NAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg|webp)$")
MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


def sniff(data: bytes) -> str | None:
    """The file extension the bytes really are, whatever the upload claims."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def check_cover(data: bytes) -> str:
    if not data:
        raise InvalidInput.on("cover", _("请选择图片文件。"))
    if len(data) > MAX_COVER_BYTES:
        raise InvalidInput.on("cover", _("封面图片不能超过2MB。"))
    extension = sniff(data)
    if extension is None:
        raise InvalidInput.on("cover", _("封面图片只能是PNG、JPEG或WebP格式。"))
    return extension


def uploads_dir() -> Path:
    return get_settings().data_dir / "uploads"


def cover_path(name: str) -> Path:
    if not NAME.match(name):
        raise NotFound.on("name", _("没有这个文件。"))
    path = uploads_dir() / name
    if not path.is_file():
        raise NotFound.on("name", _("没有这个文件。"))
    return path


async def store_cover(project_id: int, data: bytes, staff: StaffIdentity) -> str:
    """Validate, write the file, point the project at it; returns the stored name."""
    extension = check_cover(data)
    if staff.role is StaffUser.Role.auditor:
        raise Forbidden.on("role", _("审计人员只能查看。"))
    await get_for_staff(project_id, staff)
    editable = (
        EDITABLE_BY_OWNER if staff.role is StaffUser.Role.project_owner else EDITABLE_BY_ORGANIZER
    )
    name = f"{uuid.uuid4().hex}.{extension}"
    directory = uploads_dir()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)
    try:
        async with write_transaction():
            await lock_row(Project, project_id)
            row = (
                await Project.select(Project.status, Project.cover_image)
                .where(Project.id == project_id)
                .first()
            )
            if Project.Status(row["status"]) not in editable:
                raise NotAllowed.on("status", _("当前状态的项目不能修改。"))
            await Project.update({Project.cover_image: name}).where(Project.id == project_id)
            await record(staff.actor, "project.cover", "project", project_id, data={"file": name})
    except BaseException:
        (directory / name).unlink(missing_ok=True)
        raise
    if row["cover_image"] and NAME.match(row["cover_image"]):
        (directory / row["cover_image"]).unlink(missing_ok=True)  # replaced: no longer served
    return name
