"""Console pages for statements: accounts, upload, column mapping, the treasurer's queue.

Kept at /console/bank-statements (the path organizers know); every handler calls one
service function."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, PathParameter, QueryParameter
from litestar.response import Redirect, Template

from service.auth.guards import CurrentStaff, requires_organizer
from service.bounds import MAX_ROW_ID
from service.errors import DomainError, InvalidInput
from service.events.services import PLEDGE_OPEN
from service.events.tables import Event
from service.pledges.services import PLEDGEABLE_PROJECT
from service.pledges.tracking import find_open_pledges
from service.projects.tables import Project
from service.settings import get_settings
from service.statements import services
from service.statements.accounts import check_mapping, check_mapping_name
from service.statements.layouts import LAYOUTS, MAPPABLE, mapping_layout
from service.statements.parsing import UnknownLayout
from service.web.forms import text

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
PATH = "/console/bank-statements"
EntryId = Annotated[int, PathParameter(gt=0, le=MAX_ROW_ID, description="Statement line")]
OptionalId = Annotated[int | None, QueryParameter(gt=0, le=MAX_ROW_ID)]
Count = Annotated[int | None, QueryParameter(ge=0, le=MAX_ROW_ID)]
_TOKEN = re.compile(r"^[0-9a-f]{64}$")


def _stash_dir() -> Path:
    path = get_settings().data_dir / "statement-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stash(data: bytes) -> str:
    """Keep an upload whose layout is unknown until its columns are mapped."""
    token = hashlib.sha256(data).hexdigest()
    (_stash_dir() / f"{token}.bin").write_bytes(data)
    return token


def drop_stash(token: str) -> None:
    if _TOKEN.match(token):
        (_stash_dir() / f"{token}.bin").unlink(missing_ok=True)


def unstash(token: str) -> bytes:
    path = _stash_dir() / f"{token}.bin"
    if not _TOKEN.match(token) or not path.exists():
        raise InvalidInput.on("upload", "the uploaded file has expired: upload it again")
    return path.read_bytes()


def _form_errors(exc: DomainError) -> list[dict[str, str]]:
    return [{"field": e.field, "message": e.message} for e in exc.errors] or [
        {"field": "form", "message": exc.detail}
    ]


async def _gift_targets() -> list[dict[str, Any]]:
    """Where an anonymous gift can go: each open edition's general fund and projects."""
    events = await Event.select(Event.id, Event.number, Event.title).where(
        Event.status.is_in(list(PLEDGE_OPEN))
    )
    targets = []
    for event in events:
        targets.append({"value": f"{event['number']}:", "label": f"{event['title']} · 公益总基金"})
        for project in await Project.select(Project.id, Project.title).where(
            (Project.event == event["id"]) & Project.status.is_in(list(PLEDGEABLE_PROJECT))
        ):
            targets.append(
                {"value": f"{event['number']}:{project['id']}", "label": project["title"]}
            )
    return targets


async def _resolve_pledge(value: str) -> uuid.UUID:
    """A pledge id, or a pledge code (MS1A2B3C4D) naming exactly one open pledge."""
    try:
        return uuid.UUID(value)
    except ValueError:
        matches = await find_open_pledges(value) if value.upper().startswith("MS") else []
        if len(matches) != 1:
            raise InvalidInput.on("pledge_id", "enter a pledge code or id") from None
        return matches[0]["id"]


def _account_id(value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise InvalidInput.on("account", "choose an account from the list")
    return int(value)


class StatementPages(Controller):
    path = PATH
    include_in_schema = False
    guards = [requires_organizer]

    async def _page(
        self,
        *,
        account: int | None = None,
        result: Any = None,
        bulk: Any = None,
        errors: list | None = None,
        status: int = 200,
    ) -> Template:
        return Template(
            "console/bank_statements.html",
            context={
                "accounts": await services.accounts(),
                "account": account,
                "layouts": LAYOUTS,
                "queue": await services.queue(account),
                "imports": await services.imports(),
                "targets": await _gift_targets(),
                "result": result,
                "bulk": bulk,
                "errors": errors or [],
            },
            status_code=status,
        )

    @get("/", name="bank-statements")
    async def page(self, account: OptionalId = None, applied: Count = None) -> Template:
        bulk = {"applied": applied} if applied is not None else None
        return await self._page(account=account, bulk=bulk)

    @post("/")
    async def upload(self, data: Upload, staff: CurrentStaff) -> Template:
        file = data.get("file")
        if not isinstance(file, UploadFile):
            return await self._page(
                errors=[{"field": "file", "message": "choose a statement file"}], status=400
            )
        content = await file.read()
        try:
            account_id = _account_id(text(data, "account"))
            result = await services.import_statement_file(
                io.BytesIO(content),
                staff.actor,
                account_id=account_id,
                mapping=text(data, "mapping") or None,
                layout=text(data, "layout") or None,
                file_name=file.filename or "",
            )
        except UnknownLayout as exc:
            return await self._mapping_page(
                stash(content), exc, text(data, "account"), values={"file_name": file.filename}
            )
        except DomainError as exc:
            return await self._page(errors=_form_errors(exc), status=exc.status)
        return await self._page(account=result.account_id, result=result)

    async def _mapping_page(
        self,
        token: str,
        exc: UnknownLayout,
        account: str,
        errors: list | None = None,
        values: dict | None = None,
        status: int = 200,
    ) -> Template:
        preview = exc.preview
        widest = max((sum(1 for c in row if c) for row in preview), default=0)
        header = next((row for row in preview if sum(1 for c in row if c) == widest), [])
        return Template(
            "console/statement_mapping.html",
            context={
                "token": token,
                "reason": exc.detail,
                "preview": preview,
                "width": max((len(row) for row in preview), default=0),
                "names": [c for c in header if c],
                "roles": MAPPABLE,
                "accounts": await services.accounts(),
                "account": account,
                "errors": errors or [],
                "values": values or {},
            },
            status_code=status,
        )

    @post("/mapping")
    async def map_columns(self, data: Form, staff: CurrentStaff) -> Template:
        token = text(data, "upload")
        columns: dict[str, Any] = {role: text(data, role) for role in MAPPABLE}
        remark = data.get("remark")
        columns["remark"] = remark if isinstance(remark, list) else text(data, "remark")
        try:
            content = unstash(token)
            account_id = _account_id(text(data, "account"))
            if account_id is None:
                raise InvalidInput.on("account", "choose the account this statement belongs to")
            name = check_mapping_name(text(data, "mapping_name"))
            trial = mapping_layout(name, check_mapping(columns))
            # import with the mapping first: only a mapping that reads the file is kept
            result = await services.import_statement_file(
                io.BytesIO(content),
                staff.actor,
                account_id=account_id,
                trial=trial,
                file_name=text(data, "file_name"),
            )
            await services.save_mapping(account_id, name, columns, staff.actor)
            drop_stash(token)
        except UnknownLayout as exc:
            return await self._mapping_page(
                token, exc, text(data, "account"), _form_errors(exc), dict(data), exc.status
            )
        except DomainError as exc:
            try:
                again = UnknownLayout(exc.detail, _preview_of(token))
            except DomainError as gone:
                return await self._page(errors=_form_errors(gone), status=gone.status)
            return await self._mapping_page(
                token, again, text(data, "account"), _form_errors(exc), dict(data), exc.status
            )
        return await self._page(account=result.account_id, result=result)

    @post("/accounts")
    async def add_account(self, data: Form, staff: CurrentStaff) -> Redirect:
        account_id = await services.add_account(
            text(data, "name"),
            text(data, "provider"),
            text(data, "number"),
            text(data, "holder"),
            staff.actor,
        )
        return Redirect(f"{PATH}?account={account_id}", status_code=303)

    @post("/{entry_id:int}/confirm")
    async def confirm(self, entry_id: EntryId, data: Form, staff: CurrentStaff) -> Redirect:
        pledge_id = await _resolve_pledge(text(data, "pledge_id"))
        await services.confirm_entry(entry_id, pledge_id, staff.actor)
        return Redirect(PATH, status_code=303)

    @post("/confirm-certain")
    async def confirm_certain(self, data: Form, staff: CurrentStaff) -> Redirect:
        account_id = _account_id(text(data, "account"))
        outcome = await services.confirm_certain(staff.actor, account_id)
        suffix = f"&account={account_id}" if account_id else ""
        return Redirect(f"{PATH}?applied={outcome.applied}{suffix}", status_code=303)

    @post("/{entry_id:int}/ignore")
    async def ignore(self, entry_id: EntryId, data: Form, staff: CurrentStaff) -> Redirect:
        await services.ignore_entry(entry_id, staff.actor, text(data, "reason"))
        return Redirect(PATH, status_code=303)

    @post("/{entry_id:int}/gift")
    async def gift(self, entry_id: EntryId, data: Form, staff: CurrentStaff) -> Redirect:
        target = text(data, "target")
        event, _, project = target.partition(":")
        if not event.isdigit() or (project and not project.isdigit()) or len(target) > 20:
            raise InvalidInput.on("target", "choose an edition's general fund or a project")
        await services.record_anonymous_gift(
            entry_id, int(event), int(project) if project else None, staff.actor
        )
        return Redirect(PATH, status_code=303)


def _preview_of(token: str) -> list[list[str]]:
    from service.statements.parsing import open_statement

    try:
        open_statement(io.BytesIO(unstash(token)))
    except UnknownLayout as exc:
        return exc.preview
    return []


ROUTES = [StatementPages]
