"""Issuing receipts exactly once per settled payment, with gapless numbers per edition.

Numbers come from ReceiptCounter, incremented inside the issuing transaction: the UPDATE
holds the counter row's lock until commit, and a rollback gives the number back, so
concurrent settlements never skip or share one. A unique index on receipt(payment) for
non-void receipts makes a second issue for the same payment impossible; `issue_receipt`
returns the existing receipt instead. Donors who decline a receipt get a `declined` row
with a negative number outside the sequence (nothing is printed or mailed).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid

from service.audit.services import SYSTEM, Actor, record
from service.db import write_transaction
from service.donors.services import ANONYMOUS_NAME
from service.errors import InvalidInput, NotAllowed, NotFound
from service.locks import lock_row
from service.outbox.services import enqueue
from service.payments.tables import Payment
from service.receipts.records import MailableReceipt, PaymentFacts
from service.receipts.tables import Receipt, ReceiptCounter

Status = Receipt.Status
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper
CODE_LENGTH = 10
MAIL_TOPIC = "receipt.mail"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def display_number(event_number: int, number: int) -> str:
    """The printed number, e.g. 5-000123 (edition, then the gapless sequence)."""
    return f"{event_number}-{number:06d}"


_NUMBER = re.compile(r"([0-9]{1,9})-([0-9]{1,9})")


def parse_number(text: str) -> tuple[int, int]:
    """Edition and sequence of a printed number; both fit their INTEGER columns."""
    match = _NUMBER.fullmatch(text.strip())
    if match is None or int(match[1]) == 0 or int(match[2]) == 0:
        raise InvalidInput.on("number", "a receipt number looks like 5-000123")
    return int(match[1]), int(match[2])


async def _take_number(event_id: int) -> int:
    """The next number of the edition; the counter row stays locked until commit."""
    await ReceiptCounter.insert(ReceiptCounter(event=event_id, last_number=0)).on_conflict(
        target=ReceiptCounter.event, action="DO NOTHING"
    )
    rows = (
        await ReceiptCounter.update({ReceiptCounter.last_number: ReceiptCounter.last_number + 1})
        .where(ReceiptCounter.event == event_id)
        .returning(ReceiptCounter.last_number)
    )
    return int(rows[0]["last_number"])


async def _declined_number(event_id: int) -> int:
    """-1, -2, … for declined receipts: recorded, but never part of the printed sequence."""
    await ReceiptCounter.insert(ReceiptCounter(event=event_id, last_number=0)).on_conflict(
        target=ReceiptCounter.event, action="DO NOTHING"
    )
    await ReceiptCounter.update(  # a no-op write that takes the counter row's lock
        {ReceiptCounter.last_number: ReceiptCounter.last_number}
    ).where(ReceiptCounter.event == event_id)
    row = (
        await Receipt.select(Receipt.number)
        .where((Receipt.event == event_id) & (Receipt.number < 0))
        .order_by(Receipt.number)
        .first()
    )
    return (row["number"] if row else 0) - 1


async def _payment_facts(payment_id: uuid.UUID) -> PaymentFacts:
    row = (
        await Payment.select(
            Payment.id,
            Payment.status,
            Payment.amount_fen,
            Payment.pledge.event.as_alias("event_id"),
            Payment.pledge.donor.as_alias("donor_id"),
            Payment.pledge.donor.email.as_alias("email"),
            Payment.pledge.donor.display_name.as_alias("display_name"),
            Payment.pledge.donor.receipt_title.as_alias("receipt_title"),
            Payment.pledge.donor.anonymous.as_alias("anonymous"),
            Payment.pledge.donor.wants_receipt.as_alias("wants_receipt"),
        )
        .where(Payment.id == payment_id)
        .first()
    )
    if row is None:
        raise NotFound.on("payment_id", f"no payment {payment_id}")
    return row


def receipt_title(facts: PaymentFacts) -> str:
    if facts["anonymous"]:
        return ANONYMOUS_NAME
    return facts["receipt_title"] or facts["display_name"]


async def _queue_mail(receipt_id: uuid.UUID, copy: int) -> None:
    await enqueue(
        MAIL_TOPIC,
        {"receipt_id": str(receipt_id), "copy": copy},
        dedupe_key=f"{MAIL_TOPIC}:{receipt_id}:{copy}",
    )


async def issue_receipt(
    payment_id: uuid.UUID, actor: Actor = SYSTEM, *, issued_at: dt.datetime | None = None
) -> uuid.UUID:
    """The receipt of a settled payment, issued now (or at `issued_at`, for history recorded
    after the fact) or found; safe to call any number of times, concurrently too. Its mail is
    queued in the same transaction."""
    async with write_transaction():
        await lock_row(Payment, payment_id)
        existing = (
            await Receipt.select(Receipt.id)
            .where((Receipt.payment == payment_id) & (Receipt.status != Status.void.value))
            .first()
        )
        if existing is not None:
            return existing["id"]
        facts = await _payment_facts(payment_id)
        if facts["status"] != Payment.Status.succeeded.value:
            raise NotAllowed.on("payment_id", f"the payment is {facts['status']}, not settled")
        return await _insert(
            facts, actor, replaces=None, title=receipt_title(facts), issued_at=issued_at
        )


async def _insert(
    facts: PaymentFacts,
    actor: Actor,
    replaces: uuid.UUID | None,
    title: str,
    issued_at: dt.datetime | None = None,
) -> uuid.UUID:
    declined = not facts["wants_receipt"]
    if declined:
        number, status = await _declined_number(facts["event_id"]), Status.declined
    else:
        number, status = await _take_number(facts["event_id"]), Status.issued
    receipt_id = uuid.uuid4()
    await Receipt.insert(
        Receipt(
            id=receipt_id,
            event=facts["event_id"],
            number=number,
            payment=facts["id"],
            donor=facts["donor_id"],
            amount_fen=facts["amount_fen"],
            title=title,
            status=status.value,
            verification_code=new_code(),
            replaces=replaces,
            issued_at=issued_at or dt.datetime.now(dt.UTC),
        )
    )
    await record(
        actor,
        "receipt.decline" if declined else "receipt.issue",
        "receipt",
        receipt_id,
        data={"number": number, "payment": str(facts["id"]), "replaces": str(replaces or "")},
    )
    if not declined and facts["email"]:
        await _queue_mail(receipt_id, 0)
    return receipt_id


async def resend_copy(receipt_id: uuid.UUID, actor: Actor) -> int:
    """Mail the receipt again, marked 副本; returns the copy's number (1, 2, …)."""
    async with write_transaction():
        await lock_row(Receipt, receipt_id)
        row = await _receipt_row(receipt_id)
        if row["status"] != Status.issued.value:
            raise NotAllowed.on("receipt", f"a {row['status']} receipt is not sent again")
        if not row["email"]:
            raise NotAllowed.on("receipt", "the donor has no e-mail address")
        copies = row["copies_sent"] + 1
        await Receipt.update({Receipt.copies_sent: copies}).where(Receipt.id == receipt_id)
        await record(actor, "receipt.resend", "receipt", receipt_id, data={"copy": copies})
        await _queue_mail(receipt_id, copies)
    return copies


async def void_receipt(
    receipt_id: uuid.UUID, reason: str, actor: Actor, *, reissue: bool, title: str | None = None
) -> uuid.UUID | None:
    """Void a receipt (its number stays, marked void); with `reissue`, a new receipt with
    the next number replaces it (optionally under a corrected title) and is mailed."""
    if not reason.strip():
        raise InvalidInput.on("reason", "say why the receipt is voided")
    async with write_transaction():
        await lock_row(Receipt, receipt_id)
        row = await _receipt_row(receipt_id)
        if row["status"] != Status.issued.value:
            raise NotAllowed.on("receipt", f"the receipt is {row['status']}")
        await lock_row(Payment, row["payment"])
        await Receipt.update(
            {
                Receipt.status: Status.void.value,
                Receipt.voided_at: dt.datetime.now(dt.UTC),
                Receipt.void_reason: reason.strip(),
            }
        ).where(Receipt.id == receipt_id)
        await record(actor, "receipt.void", "receipt", receipt_id, reason=reason.strip())
        if not reissue:
            return None
        facts = await _payment_facts(row["payment"])
        new_title = (title or "").strip() or row["title"]
        return await _insert(facts, actor, replaces=receipt_id, title=new_title)


async def _receipt_row(receipt_id: uuid.UUID) -> MailableReceipt:
    row = (
        await Receipt.select(
            Receipt.all_columns(),
            Receipt.donor.email.as_alias("email"),
        )
        .where(Receipt.id == receipt_id)
        .first()
    )
    if row is None:
        raise NotFound.on("receipt", f"no receipt {receipt_id}")
    return row


async def mark_mailed(receipt_id: uuid.UUID) -> None:
    await Receipt.update({Receipt.mailed_at: dt.datetime.now(dt.UTC)}).where(
        (Receipt.id == receipt_id) & Receipt.mailed_at.is_null()
    )
