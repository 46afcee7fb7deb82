"""Receipts: issued when a payment settles, mailed with the PDF attached, exactly once.

Both steps are outbox handlers. "payment.settled" issues the receipt (idempotent: one
per payment) and queues "receipt.mail" with a dedupe key in the same transaction;
"receipt.mail" renders the PDF and sends it with a stable Message-ID, skipping a first
mailing that already went out (mailed_at). A relay killed mid-delivery leaves the row's
claim to expire and another relay finishes it.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from service import mail
from service.receipts.documents import receipt_document
from service.receipts.pdf import render_receipt, verification_url
from service.receipts.services import issue_receipt, mark_mailed
from service.settings import Settings, get_settings
from service.storage import get_storage
from tasks.celery_app import app
from tasks.outbox import register, relay_once
from tasks.runner import run_async


@register("payment.settled")
async def on_payment_settled(payload: dict[str, Any]) -> None:
    await issue_receipt(uuid.UUID(payload["payment_id"]))


def pdf_key(event_number: int, display_number: str, copy: int) -> str:
    """Where a mailed receipt's PDF is kept in the file storage."""
    suffix = f"-copy{copy}" if copy else ""
    return f"receipts/{event_number}/{display_number}{suffix}.pdf"


def pdf_path(settings: Settings, event_number: int, display_number: str, copy: int) -> Path:
    """The same file in the default local storage (MINSHENG_DATA_DIR)."""
    return settings.data_dir / pdf_key(event_number, display_number, copy)


@register("receipt.mail")
async def mail_receipt(payload: dict[str, Any]) -> None:
    receipt_id, copy = uuid.UUID(payload["receipt_id"]), int(payload["copy"])
    settings = get_settings()
    document = await receipt_document(receipt_id, settings.receipt_issuer)
    if document.status != "issued" or not document.email:
        return  # voided before it went out (the reissue has its own mail), or no address
    if copy == 0 and document.mailed:
        return  # sent by a relay that died before marking its outbox row
    key = pdf_key(document.event_number, document.display_number, copy)
    pdf = render_receipt(document, settings.base_url, copy)
    await get_storage(settings).awrite(key, pdf, "application/pdf")
    context = {
        "receipt": document,
        "copy": copy,
        "verify_url": verification_url(settings.base_url, document),
    }
    subject, text, html = mail.render_mail("receipt", context)
    message = mail.Mail(
        to=document.email,
        subject=subject,
        text=text,
        html=html,
        attachments=(
            mail.Attachment(
                filename=f"receipt-{document.display_number}{'-copy' if copy else ''}.pdf",
                content_type="application/pdf",
                path=key,
            ),
        ),
        message_id=f"<receipt-{receipt_id}-{copy}@minsheng.local>",
    )
    await asyncio.to_thread(mail.send, message, settings)
    if copy == 0:
        await mark_mailed(receipt_id)


@app.task(name="tasks.receipts.issue", autoretry_for=(OSError,), retry_backoff=True)
def issue(payment_id: str) -> int:
    """Issue (or find) the receipt of a payment and deliver its mail now; safe to repeat."""

    async def run() -> int:
        await issue_receipt(uuid.UUID(payment_id))
        return await relay_once()

    return run_async(run)
