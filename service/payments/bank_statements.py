"""Bank-statement import: lines are stored once, matched to pledges, confirmed by a person.

A CSV export is read (UTF-8 or GB18030), each credit line is stored under the hash of
its content (re-importing the same statement adds nothing), and the matcher proposes a
pledge per line by the pledge code in the remark (付款附言), the amount and the payer's
name. Nothing moves money until an organizer confirms a proposal; a confirmed line
becomes one bank payment and can never be applied again.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from service.audit.services import Actor, record
from service.db import write_transaction
from service.errors import FieldError, InvalidInput, NotAllowed, NotFound
from service.locks import lock_row
from service.money import MoneyError, parse_yuan
from service.payments.services import OfflinePayment, record_offline_payment
from service.payments.tables import BankStatementLine, Payment
from service.pledges.codes import CODE_RE
from service.pledges.money import PAYABLE as PAYABLE  # kept importable
from service.pledges.money import unpaid_pledges

Line = BankStatementLine
MAX_BYTES = 5_000_000
MAX_LINES = 20_000

COLUMNS = {
    "booked_on": ("date", "booked_on", "日期", "交易日期", "记账日期"),
    "amount": ("amount", "金额", "贷方金额", "收入金额", "交易金额"),
    "counterparty": ("counterparty", "name", "付款人", "对方户名", "对方名称", "付款方"),
    "reference": ("reference", "remark", "摘要", "附言", "用途", "备注"),
}


@dataclass(frozen=True)
class StatementLine:
    booked_on: dt.date
    amount_fen: int
    counterparty: str
    reference: str


@dataclass
class ImportResult:
    added: int = 0
    already_imported: int = 0
    skipped_debits: int = 0
    proposed: int = 0
    errors: list[FieldError] = field(default_factory=list)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput.on("file", "the file is neither UTF-8 nor GB18030 text")


def _column_map(header: list[str]) -> dict[str, int]:
    names = [name.strip().lower() for name in header]
    found = {}
    for key, aliases in COLUMNS.items():
        for alias in aliases:
            if alias.lower() in names:
                found[key] = names.index(alias.lower())
                break
    missing = [key for key in ("booked_on", "amount") if key not in found]
    if missing:
        raise InvalidInput.on("file", f"the header has no {' or '.join(missing)} column")
    return found


def _date(text: str) -> dt.date:
    cleaned = text.strip().replace("/", "-").replace(".", "-")
    if re.fullmatch(r"\d{8}", cleaned):
        cleaned = f"{cleaned[:4]}-{cleaned[4:6]}-{cleaned[6:]}"
    return dt.date.fromisoformat(cleaned)


def parse_statement(data: bytes) -> tuple[list[StatementLine], int, list[FieldError]]:
    """(credit lines, number of debit lines skipped, errors per bad row)."""
    if len(data) > MAX_BYTES:
        raise InvalidInput.on("file", f"the file is larger than {MAX_BYTES // 1_000_000} MB")
    rows = list(csv.reader(io.StringIO(_decode(data))))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise InvalidInput.on("file", "the file is empty")
    if len(rows) > MAX_LINES + 1:
        raise InvalidInput.on("file", f"at most {MAX_LINES} lines per import")
    columns = _column_map(rows[0])
    lines, debits, errors = [], 0, []
    for number, row in enumerate(rows[1:], start=2):

        def cell(key: str, row: list[str] = row) -> str:
            index = columns.get(key)
            return row[index].strip() if index is not None and index < len(row) else ""

        try:
            booked_on = _date(cell("booked_on"))
            amount = parse_yuan(cell("amount"))
        except (ValueError, MoneyError) as exc:
            errors.append(FieldError(f"line {number}", str(exc)))
            continue
        if amount <= 0:
            debits += 1
            continue
        lines.append(
            StatementLine(booked_on, amount, cell("counterparty")[:200], cell("reference")[:200])
        )
    return lines, debits, errors


def line_hashes(lines: list[StatementLine]) -> list[str]:
    """Content hashes; identical lines within one statement are told apart by occurrence."""
    seen: Counter[tuple] = Counter()
    hashes = []
    for line in lines:
        key = (line.booked_on.isoformat(), line.amount_fen, line.counterparty, line.reference)
        seen[key] += 1
        text = "\x1f".join([*map(str, key), str(seen[key])])
        hashes.append(hashlib.sha256(text.encode()).hexdigest())
    return hashes


async def import_statement(data: bytes, actor: Actor) -> ImportResult:
    """Store the statement's new credit lines and propose matches for every open line."""
    lines, debits, errors = parse_statement(data)
    result = ImportResult(skipped_debits=debits, errors=errors)
    hashes = line_hashes(lines)
    async with write_transaction():
        known = (
            {
                row["line_hash"]
                for row in await Line.select(Line.line_hash).where(Line.line_hash.is_in(hashes))
            }
            if hashes
            else set()
        )
        new = [
            Line(
                line_hash=digest,
                booked_on=line.booked_on,
                amount_fen=line.amount_fen,
                counterparty=line.counterparty,
                reference=line.reference,
            )
            for line, digest in zip(lines, hashes, strict=True)
            if digest not in known
        ]
        if new:
            await Line.insert(*new).on_conflict(target=Line.line_hash, action="DO NOTHING")
        result.added = len(new)
        result.already_imported = len(lines) - len(new)
        await record(
            actor,
            "bank_statement.import",
            "bank_statement",
            hashlib.sha256(data).hexdigest()[:16],
            data={"added": result.added, "already_imported": result.already_imported},
        )
    result.proposed = await propose_matches()
    return result


def _normal(name: str) -> str:
    return re.sub(r"\s+", "", name or "").lower()


def best_match(line: dict[str, Any], candidates: list[dict[str, Any]]) -> uuid.UUID | None:
    """The pledge a line most likely pays, or None when nothing fits or it is ambiguous.
    A pledge code in the remark decides alone; otherwise the payer's name and the exact
    outstanding amount must both agree."""
    codes = {code.upper() for code in CODE_RE.findall(line["reference"] or "")}
    fitting = [c for c in candidates if c["outstanding_fen"] >= line["amount_fen"]]
    by_code = [c for c in fitting if c["code"] in codes]
    if len(by_code) == 1:
        return by_code[0]["id"]
    payer = _normal(line["counterparty"])
    if not payer:
        return None
    by_name_amount = [
        c
        for c in fitting
        if c["outstanding_fen"] == line["amount_fen"]
        and payer in {_normal(c["donor_name"]), _normal(c["receipt_title"])}
    ]
    return by_name_amount[0]["id"] if len(by_name_amount) == 1 else None


async def _open_pledges() -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "amount_fen": p.amount_fen,
            "donor_name": p.donor_name,
            "receipt_title": p.receipt_title,
            "code": p.code,
            "outstanding_fen": p.outstanding_fen,
        }
        for p in await unpaid_pledges()
    ]


async def propose_matches() -> int:
    """Refresh proposals for lines not yet applied or ignored; the number proposed."""
    open_lines = await Line.select().where(
        Line.status.is_in([Line.Status.unmatched.value, Line.Status.proposed.value])
    )
    if not open_lines:
        return 0
    candidates = await _open_pledges()
    proposed = 0
    for line in open_lines:
        pledge_id = best_match(line, candidates)
        status = Line.Status.proposed if pledge_id else Line.Status.unmatched
        proposed += pledge_id is not None
        if pledge_id != line["proposed_pledge"] or status.value != line["status"]:
            await Line.update({Line.proposed_pledge: pledge_id, Line.status: status.value}).where(
                (Line.id == line["id"]) & Line.status.is_in(["unmatched", "proposed"])
            )
    return proposed


async def confirm_line(line_id: int, pledge_id: uuid.UUID, actor: Actor) -> uuid.UUID:
    """Apply a statement line to a pledge as a bank payment: exactly once per line."""
    async with write_transaction():
        await lock_row(Line, line_id)
        line = await Line.select().where(Line.id == line_id).first()
        if line is None:
            raise NotFound.on("line", f"no statement line {line_id}")
        if line["status"] not in (Line.Status.unmatched.value, Line.Status.proposed.value):
            raise NotAllowed.on("line", f"this line is already {line['status']}")
        payment_id = await record_offline_payment(
            OfflinePayment(
                pledge_id=pledge_id,
                provider=Payment.Provider.bank,
                amount_fen=line["amount_fen"],
                reference=f"stmt:{line['line_hash'][:24]}",
                received_on=line["booked_on"],
            ),
            actor,
        )
        await Line.update(
            {
                Line.status: Line.Status.applied.value,
                Line.payment: payment_id,
                Line.proposed_pledge: pledge_id,
            }
        ).where(Line.id == line_id)
        await record(
            actor,
            "bank_statement.apply",
            "bank_statement_line",
            line_id,
            data={"pledge": str(pledge_id), "payment": str(payment_id)},
        )
    return payment_id


async def ignore_line(line_id: int, actor: Actor, reason: str = "") -> None:
    """Mark a line as not a pledge payment (e.g. interest, a refund from a supplier)."""
    async with write_transaction():
        await lock_row(Line, line_id)
        updated = (
            await Line.update({Line.status: Line.Status.ignored.value})
            .where(
                (Line.id == line_id)
                & Line.status.is_in([Line.Status.unmatched.value, Line.Status.proposed.value])
            )
            .returning(Line.id)
        )
        if not updated:
            raise NotAllowed.on("line", "only an open line can be ignored")
        await record(actor, "bank_statement.ignore", "bank_statement_line", line_id, reason=reason)


async def statement_lines(limit: int = 500) -> list[dict[str, Any]]:
    """Lines for the console, open ones first, with the proposed pledge's donor."""
    rows = (
        await Line.select(
            *Line.all_columns(),
            Line.proposed_pledge.donor.display_name.as_alias("proposed_donor"),
            Line.proposed_pledge.amount_fen.as_alias("proposed_amount_fen"),
            Line.proposed_pledge.project.title.as_alias("proposed_project"),
        )
        .order_by(Line.booked_on, ascending=False)
        .order_by(Line.id, ascending=False)
        .limit(limit)
    )
    order = {"proposed": 0, "unmatched": 1, "applied": 2, "ignored": 3}
    return sorted(rows, key=lambda row: order.get(row["status"], 9))
