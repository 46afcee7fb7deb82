"""Evidence files (invoices, contracts, acceptance records, photos) and progress photos:
checked by their bytes, size-limited, polyglots refused, stored where covers are.

A file is what its first bytes say (PDF, PNG, JPEG or WebP), whatever its name or the
upload's content type claims. A polyglot — bytes that are also valid as another format,
or that carry markup or scripts a browser or viewer might act on — is refused: image files
must end where their format ends (nothing after PNG's IEND, JPEG's EOI, WebP's RIFF size);
PDFs must end with %%EOF and carry no JavaScript, launch actions or embedded files; and
no file may contain HTML, script or archive markers.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from service.errors import InvalidInput, NotFound
from service.i18n import gettext as _
from service.projects import covers
from service.projects.covers import uploads_dir
from service.storage import StoredFileMissing, get_storage

MAX_EVIDENCE_BYTES = 8 * 1024 * 1024
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_FILES = 10
MAX_REQUEST_BYTES = 40 * 1024 * 1024
"""A whole request's body: a few files at the per-file limit (larger: 413)."""
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
}
IMAGES = ("png", "jpg", "webp")
NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|png|jpg|webp)$")
SUBDIR = "evidence"

# Markers no evidence file has any business carrying: markup and scripts a browser sniffs,
# archives (a JAR/ZIP appended to an image), executables.
_FOREIGN = (
    re.compile(rb"<\s*(html|script|svg|iframe|object|embed|body|head)\b", re.IGNORECASE),
    re.compile(rb"<\?php", re.IGNORECASE),
    re.compile(rb"PK\x03\x04"),
    re.compile(rb"PK\x05\x06"),
    re.compile(rb"\x7fELF"),
)
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")
_PDF_END = re.compile(rb"%%EOF\s*$")


@dataclass(frozen=True)
class CheckedFile:
    extension: str
    media_type: str
    size_bytes: int
    sha256: str
    data: bytes


def sniff(data: bytes) -> str | None:
    """The extension the bytes really are: a PDF, or an image as covers know them."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    return covers.sniff(data)


def _png_ends_cleanly(data: bytes) -> bool:
    """Walk the chunks: the file must end exactly after IEND."""
    position = 8
    while position + 12 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        position += 12 + length
        if kind == b"IEND":
            return position == len(data)
    return False


def _jpeg_ends_cleanly(data: bytes) -> bool:
    return data.rstrip(b"\x00").endswith(b"\xff\xd9")


def _webp_ends_cleanly(data: bytes) -> bool:
    size = int.from_bytes(data[4:8], "little")
    return size + 8 + (size % 2) == len(data) or size + 8 == len(data)


def _structure_ok(extension: str, data: bytes) -> bool:
    if extension == "png":
        return _png_ends_cleanly(data)
    if extension == "jpg":
        return _jpeg_ends_cleanly(data)
    if extension == "webp":
        return _webp_ends_cleanly(data)
    return bool(_PDF_END.search(data[-1024:])) and not _PDF_ACTIVE.search(data)


def _is_polyglot(extension: str, data: bytes) -> bool:
    if not _structure_ok(extension, data):
        return True
    if any(pattern.search(data) for pattern in _FOREIGN):
        return True
    # Another format's header inside an image (a PDF hidden in a PNG). PDFs may embed
    # JPEG streams, so only a second PDF header counts there.
    if extension in IMAGES and b"%PDF-" in data:
        return True
    return extension == "pdf" and data.count(b"%PDF-") > 1


def check_file(
    data: bytes,
    field: str,
    *,
    allowed: tuple[str, ...] = tuple(MEDIA_TYPES),
    max_bytes: int = MAX_EVIDENCE_BYTES,
) -> CheckedFile:
    """The file's checked type and digest, or InvalidInput naming `field`."""
    if not data:
        raise InvalidInput.on(field, _("文件是空的，请重新选择。"))
    if len(data) > max_bytes:
        raise InvalidInput.on(
            field, _("文件不能超过%(mb)sMB。") % {"mb": max_bytes // (1024 * 1024)}
        )
    extension = sniff(data)
    if extension is None or extension not in allowed:
        names = "、".join(e.upper().replace("JPG", "JPEG") for e in allowed)
        raise InvalidInput.on(field, _("文件只能是%(types)s格式。") % {"types": names})
    if _is_polyglot(extension, data):
        raise InvalidInput.on(
            field, _("文件内容不完整或夹带了其他格式的数据，请另存为标准文件后再上传。")
        )
    return CheckedFile(
        extension, MEDIA_TYPES[extension], len(data), hashlib.sha256(data).hexdigest(), data
    )


def storage_dir() -> Path:
    """Beside the covers (projects.covers.uploads_dir) in the default local storage."""
    return uploads_dir() / SUBDIR


def storage_key(name: str) -> str:
    """The file's key in the one file storage (service.storage): a folder or a bucket."""
    if not NAME.match(name):
        raise NotFound.on("name", _("没有这个文件。"))
    return f"uploads/{SUBDIR}/{name}"


def write_file(checked: CheckedFile) -> str:
    """Store the bytes under a random name in the file storage; returns the name."""
    name = f"{uuid.uuid4().hex}.{checked.extension}"
    get_storage().write(storage_key(name), checked.data, checked.media_type)
    return name


def remove_files(names: list[str]) -> None:
    """Undo `write_file` when the transaction that would point at them failed."""
    for name in names:
        if NAME.match(name):
            get_storage().delete(storage_key(name))


async def read_file(name: str) -> bytes:
    """A stored file's bytes; NotFound for a bad or unknown name."""
    try:
        return await get_storage().aread(storage_key(name))
    except StoredFileMissing:
        raise NotFound.on("name", _("没有这个文件。")) from None


def stored_path(name: str) -> Path:
    """Local path of a stored file (local storage only; routes read through read_file)."""
    if not get_storage().exists(storage_key(name)):
        raise NotFound.on("name", _("没有这个文件。"))
    return storage_dir() / name
