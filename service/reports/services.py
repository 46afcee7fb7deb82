"""Asking for, building and listing transparency reports.

An organizer asks (console, API or CLI): a pending row and a "report.transparency" outbox
message in one transaction; the outbox relay (a Celery task) builds it — the figures at
the ledger head of that moment, their PDF stored beside the receipts — and marks it ready.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path

from service.audit.services import Actor, record
from service.db import write_transaction
from service.errors import NotFound
from service.events.tables import Event
from service.i18n import gettext as _
from service.ledger.services import head
from service.outbox.services import enqueue
from service.reports.figures import canonical, digest, report_figures
from service.reports.pdf import render_report
from service.reports.records import ReportLine, ReportRow
from service.reports.tables import TransparencyReport
from service.settings import get_settings
from service.storage import StoredFileMissing, get_storage

Status = TransparencyReport.Status
TOPIC = "report.transparency"


def reports_dir() -> Path:
    """The reports folder of the default local storage (MINSHENG_DATA_DIR/reports)."""
    return get_settings().data_dir / "reports"


def pdf_key(name: str) -> str:
    """A report PDF's key in the one file storage (service.storage)."""
    if not name or "/" in name:
        raise NotFound.on("report_id", _("没有这份报告，或报告还在生成中。"))
    return f"reports/{name}"


async def request_report(event_number: int, actor: Actor) -> uuid.UUID:
    event = await Event.select(Event.id).where(Event.number == event_number).first()
    if event is None:
        raise NotFound.on("event", _("没有这一届众筹会。"))
    report_id = uuid.uuid4()
    async with write_transaction():
        await TransparencyReport.insert(
            TransparencyReport(id=report_id, event=event["id"], requested_by=actor.user_id)
        )
        await enqueue(TOPIC, {"report_id": str(report_id)}, dedupe_key=f"{TOPIC}:{report_id}")
        await record(
            actor, "report.request", "event", event_number, data={"report": str(report_id)}
        )
    return report_id


async def build_report(report_id: uuid.UUID) -> None:
    """Build a pending report at the ledger head of now; a ready one is left alone."""
    row = (
        await TransparencyReport.select(
            TransparencyReport.status,
            TransparencyReport.event,
            TransparencyReport.event.number.as_alias("number"),
            TransparencyReport.event.title.as_alias("title"),
        )
        .where(TransparencyReport.id == report_id)
        .first()
    )
    if row is None or row["status"] == Status.ready.value:
        return
    seq, head_hash = await head()
    figures = await report_figures(row["event"], row["number"], seq)
    pdf = render_report(figures, f"{row['title']} 透明度报告")
    name = f"transparency-{row['number']}-{report_id.hex}.pdf"
    await get_storage().awrite(pdf_key(name), pdf, "application/pdf")
    async with write_transaction():
        await TransparencyReport.update(
            {
                TransparencyReport.status: Status.ready.value,
                TransparencyReport.head_seq: seq,
                TransparencyReport.head_hash: head_hash,
                TransparencyReport.figures: canonical(figures),
                TransparencyReport.figures_sha256: digest(figures),
                TransparencyReport.pdf_name: name,
                TransparencyReport.pdf_sha256: hashlib.sha256(pdf).hexdigest(),
                TransparencyReport.built_at: dt.datetime.now(dt.UTC),
            }
        ).where(TransparencyReport.id == report_id)


async def list_reports(event_number: int | None = None) -> list[ReportLine]:
    query = TransparencyReport.select(
        TransparencyReport.id,
        TransparencyReport.status,
        TransparencyReport.head_seq,
        TransparencyReport.head_hash,
        TransparencyReport.figures_sha256,
        TransparencyReport.pdf_sha256,
        TransparencyReport.built_at,
        TransparencyReport.created_at,
        TransparencyReport.event.number.as_alias("event_number"),
        TransparencyReport.event.title.as_alias("event_title"),
    ).order_by(TransparencyReport.created_at, ascending=False)
    if event_number is not None:
        query = query.where(TransparencyReport.event.number == event_number)
    return await query


async def get_report(report_id: uuid.UUID) -> ReportRow:
    row = (
        await TransparencyReport.select(
            TransparencyReport.all_columns(),
            TransparencyReport.event.number.as_alias("event_number"),
            TransparencyReport.event.title.as_alias("event_title"),
        )
        .where(
            (TransparencyReport.id == report_id) & (TransparencyReport.status == Status.ready.value)
        )
        .first()
    )
    if row is None:
        raise NotFound.on("report_id", _("没有这份报告，或报告还在生成中。"))
    row["data"] = json.loads(row["figures"])
    return row


async def read_pdf(name: str) -> bytes:
    """A built report's PDF from the file storage."""
    try:
        return await get_storage().aread(pdf_key(name))
    except StoredFileMissing:
        raise NotFound.on("report_id", _("没有这份报告，或报告还在生成中。")) from None


def pdf_path(name: str) -> Path:
    """Local path of a report's PDF (local storage only; the route reads `read_pdf`)."""
    if not get_storage().exists(pdf_key(name)):
        raise NotFound.on("report_id", _("没有这份报告，或报告还在生成中。"))
    return reports_dir() / name
