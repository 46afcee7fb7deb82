"""File storage: the one interface for covers, receipts, disbursement evidence and reports.

A folder by default (MINSHENG_DATA_DIR, or STORAGE_URL=file:///path), any S3-compatible
store in production (STORAGE_URL=s3://bucket/prefix, STORAGE_S3_ENDPOINT for MinIO, Ceph,
Aliyun OSS, Tencent COS…), so every web and worker machine sees the same files. This is
the only module importing `obstore`. Files are addressed by keys such as
`uploads/<name>.png` or `receipts/6/6-000012.pdf`; the app serves them through its own
routes with their access rules — the store is never exposed directly.
"""

from __future__ import annotations

import functools
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

import obstore
from obstore.store import LocalStore, S3Store

from service.settings import Settings, get_settings

KEY_PARTS_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


class StoredFileMissing(LookupError):
    """No file under that key."""


class StorageError(RuntimeError):
    """The store could not be reached or refused the operation; the message says why."""


def check_key(key: str) -> str:
    """Keys are relative, slash-separated, made of letters, digits, - _ . (no `..`)."""
    parts = key.split("/")
    if not key or any(
        not part or part in {".", ".."} or not set(part) <= KEY_PARTS_ALLOWED for part in parts
    ):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class Storage:
    """Read, write and delete files by key; sync and async forms of each."""

    def __init__(self, store: LocalStore | S3Store, description: str) -> None:
        self._store = store
        self.description = description
        self._typed = isinstance(store, S3Store)  # a folder keeps no content types

    def _attributes(self, content_type: str | None) -> dict:
        if content_type and self._typed:
            return {"attributes": {"Content-Type": content_type}}
        return {}

    def write(self, key: str, data: bytes, content_type: str | None = None) -> None:
        try:
            obstore.put(self._store, check_key(key), data, **self._attributes(content_type))
        except (OSError, obstore.exceptions.BaseError) as exc:
            raise StorageError(f"cannot write {key} to {self.description}: {exc}") from exc

    async def awrite(self, key: str, data: bytes, content_type: str | None = None) -> None:
        try:
            await obstore.put_async(
                self._store, check_key(key), data, **self._attributes(content_type)
            )
        except (OSError, obstore.exceptions.BaseError) as exc:
            raise StorageError(f"cannot write {key} to {self.description}: {exc}") from exc

    def read(self, key: str) -> bytes:
        try:
            return bytes(obstore.get(self._store, check_key(key)).bytes())
        except FileNotFoundError as exc:
            raise StoredFileMissing(key) from exc
        except (OSError, obstore.exceptions.BaseError) as exc:
            raise StorageError(f"cannot read {key} from {self.description}: {exc}") from exc

    async def aread(self, key: str) -> bytes:
        try:
            result = await obstore.get_async(self._store, check_key(key))
            return bytes(await result.bytes_async())
        except FileNotFoundError as exc:
            raise StoredFileMissing(key) from exc
        except (OSError, obstore.exceptions.BaseError) as exc:
            raise StorageError(f"cannot read {key} from {self.description}: {exc}") from exc

    def exists(self, key: str) -> bool:
        try:
            obstore.head(self._store, check_key(key))
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        """Remove a file; a missing one is not an error."""
        try:
            obstore.delete(self._store, check_key(key))
        except FileNotFoundError:
            return

    async def adelete(self, key: str) -> None:
        try:
            await obstore.delete_async(self._store, check_key(key))
        except FileNotFoundError:
            return

    def check_writable(self) -> str:
        """Write, read back and delete a probe file (for `minsheng doctor`)."""
        key = f"doctor/probe-{uuid.uuid4().hex}.txt"
        self.write(key, b"probe", "text/plain")
        try:
            if self.read(key) != b"probe":
                raise StorageError(f"{self.description} returned other bytes than written")
        finally:
            self.delete(key)
        return f"{self.description} is writable"


def build_storage(settings: Settings) -> Storage:
    url = settings.ops.storage_url
    if url.startswith("s3://"):
        parts = urlsplit(url)
        bucket, prefix = parts.hostname or "", unquote(parts.path).strip("/")
        config: dict[str, object] = {}
        endpoint = settings.ops.storage_endpoint
        if endpoint:
            config["endpoint"] = endpoint
            config["virtual_hosted_style_request"] = False
        client_options = {"allow_http": True} if endpoint and endpoint.startswith("http:") else {}
        store = S3Store(
            bucket,
            prefix=prefix or None,
            config=config,  # type: ignore[arg-type]
            client_options=client_options,  # type: ignore[arg-type]
        )
        where = f"s3://{bucket}/{prefix}" + (f" at {endpoint}" if endpoint else "")
        return Storage(store, where)
    folder = Path(unquote(urlsplit(url).path) if url.startswith("file:") else url or ".")
    if not url:
        folder = settings.data_dir
    folder = folder.absolute()
    folder.mkdir(parents=True, exist_ok=True)
    return Storage(LocalStore(prefix=folder), f"folder {folder}")


@functools.cache
def _cached(settings: Settings) -> Storage:
    return build_storage(settings)


def get_storage(settings: Settings | None = None) -> Storage:
    """The storage of these (default: the process's) settings, built once."""
    return _cached(settings or get_settings())
