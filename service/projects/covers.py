"""Cover images: checked by their first bytes (PNG, JPEG or WebP) and size, stored in the
file storage (service.storage) under uploads/ with a random name, served by that name.

`save_upload`, `read_upload` and `delete_upload` are the upload helpers other domains reuse
(e.g. disbursement evidence): they go through the one storage interface, so a second web
or worker machine sees the same files."""

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
from service.storage import StoredFileMissing, get_storage

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


UPLOADS_PREFIX = "uploads"


def uploads_dir() -> Path:
    """The uploads folder of the default local storage (MINSHENG_DATA_DIR/uploads). With
    STORAGE_URL pointing elsewhere files are not here: use save_upload / read_upload."""
    return get_settings().data_dir / UPLOADS_PREFIX


def upload_key(name: str) -> str:
    if not NAME.match(name):
        raise NotFound.on("name", _("没有这个文件。"))
    return f"{UPLOADS_PREFIX}/{name}"


async def save_upload(data: bytes, extension: str) -> str:
    """Store checked bytes under a new random name (returned) in the file storage."""
    name = f"{uuid.uuid4().hex}.{extension}"
    await get_storage().awrite(upload_key(name), data, MEDIA_TYPES.get(extension))
    return name


async def read_upload(name: str) -> bytes:
    """The bytes of an upload; NotFound (404) for a bad or unknown name."""
    try:
        return await get_storage().aread(upload_key(name))
    except StoredFileMissing:
        raise NotFound.on("name", _("没有这个文件。")) from None


async def delete_upload(name: str) -> None:
    if NAME.match(name):
        await get_storage().adelete(upload_key(name))


def cover_path(name: str) -> Path:
    """Local path of a stored cover (local storage only; kept for callers that want a
    Path — the cover route reads through `read_upload`)."""
    key = upload_key(name)
    if not get_storage().exists(key):
        raise NotFound.on("name", _("没有这个文件。"))
    return uploads_dir() / name


async def store_cover(project_id: int, data: bytes, staff: StaffIdentity) -> str:
    """Validate, write the file, point the project at it; returns the stored name."""
    extension = check_cover(data)
    if staff.role is StaffUser.Role.auditor:
        raise Forbidden.on("role", _("审计人员只能查看。"))
    await get_for_staff(project_id, staff)
    editable = (
        EDITABLE_BY_OWNER if staff.role is StaffUser.Role.project_owner else EDITABLE_BY_ORGANIZER
    )
    name = await save_upload(data, extension)
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
        await delete_upload(name)
        raise
    if row["cover_image"]:
        await delete_upload(row["cover_image"])  # replaced: no longer served
    return name
