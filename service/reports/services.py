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
from typing import Any

from service.audit.services import Actor, record
from service.db import write_transaction
from service.errors import NotFound
from service.events.tables import Event
from service.i18n import gettext as _
from service.ledger.services import head
from service.outbox.services import enqueue
from service.reports.figures import canonical, digest, report_figures
from service.reports.pdf import render_report
from service.reports.tables import TransparencyReport
from service.settings import get_settings

Status = TransparencyReport.Status
TOPIC = "report.transparency"


def reports_dir() -> Path:
    return get_settings().data_dir / "reports"


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
    directory = reports_dir()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(pdf)
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


async def list_reports(event_number: int | None = None) -> list[dict[str, Any]]:
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


async def get_report(report_id: uuid.UUID) -> dict[str, Any]:
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


def pdf_path(name: str) -> Path:
    path = reports_dir() / name
    if not name or "/" in name or not path.is_file():
        raise NotFound.on("report_id", _("没有这份报告，或报告还在生成中。"))
    return path
