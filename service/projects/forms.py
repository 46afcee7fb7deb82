"""Reading the console's project form (multipart) into a ProposalInput, with field errors.
Amounts are typed in yuan on the form and become integer fen here."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import UploadFile

from service.errors import FieldError, InvalidInput
from service.i18n import gettext as _
from service.money import MoneyError, parse_yuan
from service.projects.proposals import ProposalInput
from service.projects.services import BudgetLineDraft, ProjectDraft
from service.projects.tables import BudgetLine, Project
from service.web.forms import as_list, text


def _int(data: dict[str, Any], name: str, errors: list[FieldError]) -> int | None:
    raw = text(data, name)
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        errors.append(FieldError(name, _("请输入正整数。")))
        return None
    return int(raw)


def _fen(raw: str, field: str, errors: list[FieldError]) -> int | None:
    try:
        return parse_yuan(raw)
    except MoneyError:
        errors.append(FieldError(field, _("金额格式不正确，例如 12345.67。")))
        return None


def proposal_from_form(data: dict[str, Any], owner_org_id: int | None) -> ProposalInput:
    errors: list[FieldError] = []
    items = as_list(data.get("budget_item"))
    amounts = as_list(data.get("budget_amount"))
    kinds = as_list(data.get("budget_kind"))
    lines: list[BudgetLineDraft] = []
    for index, item in enumerate(items):
        amount_text = str(amounts[index]).strip() if index < len(amounts) else ""
        item = str(item).strip()
        if not item and not amount_text:
            continue  # an empty spare row on the form
        amount = _fen(amount_text, f"budget[{index}].amount_fen", errors)
        kind_text = str(kinds[index]) if index < len(kinds) else "other"
        kind = (
            BudgetLine.Kind(kind_text)
            if kind_text in BudgetLine.Kind.__members__
            else BudgetLine.Kind.other
        )
        lines.append(BudgetLineDraft(item, amount if amount is not None else 0, kind))
    category = text(data, "category")
    if category not in Project.Category.__members__:
        errors.append(FieldError("category", _("请选择类别。")))
    community = _int(data, "community_id", errors)
    if community is None:
        errors.append(FieldError("community_id", _("请选择一个社区。")))
    owner = _int(data, "owner_org_id", errors) or owner_org_id
    if owner is None:
        errors.append(FieldError("owner_org_id", _("请选择申报单位。")))
    minimum_text = text(data, "minimum")
    minimum = _fen(minimum_text, "minimum_fen", errors) if minimum_text else None
    event = _int(data, "event", errors)
    if errors:
        raise InvalidInput(_("项目内容不正确"), errors)
    draft = ProjectDraft(
        owner_org_id=owner or 0,
        community_id=community or 0,
        title=text(data, "title"),
        category=Project.Category(category),
        budget=tuple(lines),
        summary=text(data, "summary"),
        beneficiaries=text(data, "beneficiaries"),
        implementer=text(data, "implementer"),
        timeline=text(data, "timeline"),
        minimum_fen=minimum,
    )
    return ProposalInput(draft, None, event)


async def cover_bytes(data: dict[str, Any]) -> bytes | None:
    """The uploaded cover's bytes, or None when no file was chosen."""
    upload = data.get("cover")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    return await upload.read()
