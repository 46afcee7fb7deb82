"""Reading receipts: what is printed on one, the public check, the organizers' list."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from service.clock import local_date
from service.errors import NotFound
from service.receipts.records import ReceiptLine
from service.receipts.services import CODE_LENGTH, display_number, parse_number
from service.receipts.tables import Receipt


@dataclass(frozen=True)
class ReceiptDocument:
    """Everything printed on a receipt."""

    id: uuid.UUID
    event_number: int
    event_title: str
    number: int
    display_number: str
    status: str
    title: str
    uscc: str | None
    project: str
    amount_fen: int
    donated_on: dt.date
    issued_on: dt.date
    issuer: str
    verification_code: str
    email: str | None
    replaces_number: str | None
    mailed: bool


async def receipt_document(receipt_id: uuid.UUID, issuer: str) -> ReceiptDocument:
    row = (
        await Receipt.select(
            Receipt.id,
            Receipt.number,
            Receipt.status,
            Receipt.title,
            Receipt.amount_fen,
            Receipt.verification_code,
            Receipt.issued_at,
            Receipt.mailed_at,
            Receipt.event.number.as_alias("event_number"),
            Receipt.event.title.as_alias("event_title"),
            Receipt.event.operator.name.as_alias("operator"),
            Receipt.donor.uscc.as_alias("uscc"),
            Receipt.donor.anonymous.as_alias("anonymous"),
            Receipt.donor.email.as_alias("email"),
            Receipt.payment.settled_at.as_alias("settled_at"),
            Receipt.payment.pledge.project.title.as_alias("project"),
            Receipt.replaces.number.as_alias("replaces_number"),
        )
        .where(Receipt.id == receipt_id)
        .first()
    )
    if row is None:
        raise NotFound.on("receipt", f"no receipt {receipt_id}")
    settled = row["settled_at"] or row["issued_at"]
    return ReceiptDocument(
        id=row["id"],
        event_number=row["event_number"],
        event_title=row["event_title"],
        number=row["number"],
        display_number=display_number(row["event_number"], row["number"]),
        status=row["status"],
        title=row["title"],
        uscc=None if row["anonymous"] else row["uscc"],
        project=row["project"] or "众筹会通用基金",
        amount_fen=row["amount_fen"],
        donated_on=local_date(settled),
        issued_on=local_date(row["issued_at"]),
        issuer=row["operator"] or issuer,
        verification_code=row["verification_code"],
        email=row["email"],
        replaces_number=(
            display_number(row["event_number"], row["replaces_number"])
            if row["replaces_number"] is not None
            else None
        ),
        mailed=row["mailed_at"] is not None,
    )


@dataclass(frozen=True)
class Verification:
    found: bool
    document: ReceiptDocument | None = None
    reissued_as: str | None = None


async def verify(number_text: str, code: str, issuer: str) -> Verification:
    """Public check of a printed receipt: the number and its code must both match."""
    event_number, number = parse_number(number_text)
    row = (
        await Receipt.select(Receipt.id, Receipt.verification_code)
        .where((Receipt.event.number == event_number) & (Receipt.number == number))
        .first()
    )
    given = code.strip().upper()[: CODE_LENGTH * 2].encode()
    if row is None or not secrets.compare_digest(row["verification_code"].encode(), given):
        return Verification(found=False)
    document = await receipt_document(row["id"], issuer)
    reissued = await Receipt.select(Receipt.number).where(Receipt.replaces == row["id"]).first()
    return Verification(
        found=True,
        document=document,
        reissued_as=display_number(event_number, reissued["number"]) if reissued else None,
    )


async def list_receipts(event_number: int | None, limit: int = 200) -> list[ReceiptLine]:
    query = (
        Receipt.select(
            Receipt.id,
            Receipt.number,
            Receipt.status,
            Receipt.title,
            Receipt.amount_fen,
            Receipt.copies_sent,
            Receipt.issued_at,
            Receipt.mailed_at,
            Receipt.void_reason,
            Receipt.event.number.as_alias("event_number"),
            Receipt.donor.email.as_alias("email"),
        )
        .order_by(Receipt.event)
        .order_by(Receipt.number, ascending=False)
    )
    if event_number is not None:
        query = query.where(Receipt.event.number == event_number)
    rows = await query.limit(limit)
    for row in rows:
        row["display_number"] = (
            display_number(row["event_number"], row["number"]) if row["number"] > 0 else "—"
        )
    return rows
