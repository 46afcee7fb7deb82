"""Organizations: creating and editing them, with the USCC checked for enterprises."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from service.audit.services import Actor, record
from service.db import is_unique_violation, write_transaction
from service.errors import Conflict, InvalidInput, NotFound
from service.i18n import gettext as _
from service.orgs.records import OrganizationRow
from service.orgs.tables import Organization
from service.orgs.uscc import UsccError, validate_uscc

Kind = Organization.Kind
_COLUMNS = (
    Organization.id,
    Organization.name,
    Organization.kind,
    Organization.uscc,
    Organization.contact,
)


@dataclass(frozen=True)
class OrganizationDraft:
    name: str
    kind: str
    uscc: str | None = None
    contact: str = ""


def checked(draft: OrganizationDraft) -> OrganizationDraft:
    """The draft normalized, or InvalidInput naming the field: an enterprise must carry a
    valid 统一社会信用代码, and any code given is checked by its GB 32100 check character."""
    name = draft.name.strip()
    if not name:
        raise InvalidInput.on("name", _("名称不能为空。"))
    if len(name) > 200:
        raise InvalidInput.on("name", _("名称不能超过200个字符。"))
    if draft.kind not in {k.value for k in Kind}:
        raise InvalidInput.on("kind", _("组织类型无效。"))
    uscc = (draft.uscc or "").strip() or None
    if uscc is not None:
        try:
            uscc = validate_uscc(uscc)
        except UsccError as exc:
            raise InvalidInput.on(
                "uscc", _("统一社会信用代码无效：%(reason)s") % {"reason": exc}
            ) from exc
    elif draft.kind == Kind.enterprise.value:
        raise InvalidInput.on("uscc", _("企业必须填写统一社会信用代码。"))
    return replace(draft, name=name, uscc=uscc, contact=draft.contact.strip())


def _conflict(exc: Exception, draft: OrganizationDraft) -> Exception:
    if is_unique_violation(exc):
        field = "uscc" if draft.uscc and "uscc" in str(exc) else "name"
        return Conflict.on(field, _("已有同名或同一信用代码的组织。"))
    return exc


async def create_organization(draft: OrganizationDraft, actor: Actor) -> int:
    draft = checked(draft)
    row = Organization(name=draft.name, kind=draft.kind, uscc=draft.uscc, contact=draft.contact)
    try:
        async with write_transaction():
            await row.save()
            await record(actor, "organization.create", "organization", row.id, data=_data(draft))
    except Exception as exc:
        raise _conflict(exc, draft) from exc
    return row.id


async def update_organization(org_id: int, changes: dict[str, Any], actor: Actor) -> None:
    current = await get_organization(org_id)
    merged = checked(
        OrganizationDraft(
            name=changes.get("name") or current["name"],
            kind=current["kind"],
            uscc=changes["uscc"] if "uscc" in changes else current["uscc"],
            contact=changes.get("contact")
            if changes.get("contact") is not None
            else current["contact"],
        )
    )
    try:
        async with write_transaction():
            await Organization.update(
                {
                    Organization.name: merged.name,
                    Organization.uscc: merged.uscc,
                    Organization.contact: merged.contact,
                }
            ).where(Organization.id == org_id)
            await record(actor, "organization.update", "organization", org_id, data=_data(merged))
    except Exception as exc:
        raise _conflict(exc, merged) from exc


def _data(draft: OrganizationDraft) -> dict[str, Any]:
    return {"name": draft.name, "kind": draft.kind, "uscc": draft.uscc}


async def get_organization(org_id: int) -> OrganizationRow:
    row = await Organization.select(*_COLUMNS).where(Organization.id == org_id).first()
    if row is None:
        raise NotFound.on("id", _("没有这个组织。"))
    return row


async def list_organizations(kind: str | None = None) -> list[OrganizationRow]:
    query = Organization.select(*_COLUMNS).order_by(Organization.kind).order_by(Organization.name)
    if kind:
        query = query.where(Organization.kind == kind)
    return await query
