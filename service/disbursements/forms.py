"""Reading a disbursement request from a multipart body — the console form and the API
send the same fields — into a RequestInput. Amounts come as `amount_fen` (integer fen,
the API) or `amount` (yuan as typed on the form)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar.datastructures import UploadFile

from service.disbursements.evidence import MAX_FILES
from service.disbursements.requests import EvidenceUpload, RequestInput
from service.errors import FieldError, InvalidInput
from service.i18n import gettext as _
from service.money import MoneyError, parse_yuan
from service.pledges.forms import checked, text


def _amount(data: dict[str, Any], errors: list[FieldError]) -> int:
    raw_fen = text(data, "amount_fen")
    if raw_fen:
        if raw_fen.isdigit() and len(raw_fen) <= 15:
            return int(raw_fen)
        errors.append(FieldError("amount_fen", _("金额必须是正整数（分）。")))
        return 0
    try:
        return parse_yuan(text(data, "amount"))
    except MoneyError:
        errors.append(FieldError("amount_fen", _("金额格式不正确，例如 12345.67。")))
        return 0


def _budget_line(data: dict[str, Any], errors: list[FieldError]) -> int | None:
    raw = text(data, "budget_line_id")
    if not raw:
        return None
    if raw.isdigit() and len(raw) <= 9:
        return int(raw)
    errors.append(FieldError("budget_line_id", _("请选择预算行。")))
    return None


async def evidence_uploads(data: dict[str, Any]) -> tuple[EvidenceUpload, ...]:
    """Files in fields evidence_0 … evidence_N, each with evidence_kind_i, evidence_title_i
    and evidence_public_i ("1" for public)."""
    uploads = []
    for index in range(MAX_FILES + 1):
        upload = data.get(f"evidence_{index}")
        if isinstance(upload, list):
            upload = upload[0] if upload else None
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        uploads.append(
            EvidenceUpload(
                data=await upload.read(),
                filename=upload.filename[:200],
                kind=text(data, f"evidence_kind_{index}") or "other",
                title=text(data, f"evidence_title_{index}")[:200],
                public=checked(data, f"evidence_public_{index}"),
            )
        )
    return tuple(uploads)


async def request_from_form(project_id: int, data: dict[str, Any]) -> RequestInput:
    errors: list[FieldError] = []
    amount = _amount(data, errors)
    budget_line = _budget_line(data, errors)
    if errors:
        raise InvalidInput(_("拨付申请不完整"), errors)
    return RequestInput(
        project_id=project_id,
        amount_fen=amount,
        payee=text(data, "payee"),
        purpose=text(data, "purpose"),
        milestone=text(data, "milestone"),
        budget_line_id=budget_line,
        evidence=await evidence_uploads(data),
    )


def paid_on_field(raw: str) -> dt.date:
    if not raw:
        raise InvalidInput.on("paid_on", _("请填写付款日期。"))
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput.on("paid_on", _("日期格式应为 2026-12-31。")) from exc
