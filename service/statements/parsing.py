"""From rows to statement lines: find the header, name the account, read each line.

`open_statement` scans the first rows for a header some layout recognises (metadata
such as 账号/户名/起止日期 may sit above it); the lines below are read one at a time
until a totals or notes footer (合计, 总交易单数, #…). Any bad cell is an error naming
its line and column; the caller refuses the whole file when there is one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from service.errors import FieldError, InvalidInput
from service.statements import values
from service.statements.layouts import LAYOUTS, Layout, Recognised, normal_header, recognise
from service.statements.readers import Row, read_rows

HEADER_SCAN = 60
MAX_ERRORS = 20
PREVIEW_ROWS = 15
FOOTER_WORDS = (
    "合计",
    "总计",
    "小计",
    "本页",
    "汇总",
    "总交易单数",
    "总笔数",
    "共计",
    "#",
    "导出时间",
    "打印时间",
    "说明",
    "注:",
    "注：",
    "温馨提示",
)
_ACCOUNT_RE = re.compile(
    r"(?:账号|帐号|账户|查询账号|卡号|商户号)[^0-9*\n]{0,6}?\[?([0-9][0-9*\s-]{4,}[0-9])"
)


class UnknownLayout(InvalidInput):
    """No known layout or mapping recognises a header; carries the first rows so the
    console can show them and ask for a column mapping."""

    def __init__(self, message: str, preview: list[list[str]], named_account: str = "") -> None:
        super().__init__(message, [FieldError("file", message)])
        self.preview = preview
        self.named_account = named_account
        """The account number the lines above any header name, if one does."""


@dataclass(frozen=True)
class StatementLine:
    line: int
    direction: str  # "credit" | "debit"
    booked_on: dt.date
    booked_time: dt.time | None
    amount_fen: int
    fee_fen: int
    payer: str
    payer_account: str
    remark: str
    txn_id: str
    balance_fen: int | None
    key: str
    """Identity that survives re-export (see `content_key`)."""


def digits(text: str) -> str:
    return re.sub(r"[^0-9*]", "", text or "")


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).upper()


def content_key(
    *,
    direction: str,
    booked_on: dt.date,
    booked_time: dt.time | None,
    amount_fen: int,
    payer: str,
    payer_account: str,
    remark: str,
    txn_id: str,
    balance_fen: int | None,
) -> str:
    """A bank's transaction id when it gives one (with the date, direction and amount,
    which no re-export changes). Otherwise what a daily and a monthly
    export of the same account both carry unchanged: direction, date, time, amount,
    the payer's account digits and the balance after the line. Names and remarks are
    cut or re-cased differently between exports, so they count (normalised) only when
    neither time nor balance tells two lines apart."""
    if txn_id:
        # with date, direction and amount: some banks number transactions per day
        return f"t|{_norm(txn_id)}|{booked_on.isoformat()}|{direction}|{amount_fen}"
    parts = [
        direction,
        booked_on.isoformat(),
        booked_time.isoformat() if booked_time else "",
        str(amount_fen),
        digits(payer_account).replace("*", ""),
        "" if balance_fen is None else str(balance_fen),
    ]
    if booked_time is None and balance_fen is None:
        parts += [_norm(payer), _norm(remark)]
    return "c|" + "|".join(parts)


def _cell_text(cells: list, index: int) -> str:
    return values.text(cells[index]) if index < len(cells) else ""


def _preview(rows: list[Row]) -> list[list[str]]:
    return [[values.text(c) for c in cells] for _, cells in rows[:PREVIEW_ROWS]]


@dataclass
class Statement:
    """An opened statement: its layout, header, the account it names and its lines."""

    recognised: Recognised
    header_line: int
    metadata: list[str]
    rows: Iterator[Row]
    first_rows: list[Row]
    named_account: str = ""
    errors: list[FieldError] = field(default_factory=list)
    lines_read: int = 0
    _seen: Counter = field(default_factory=Counter)

    @property
    def layout(self) -> Layout:
        return self.recognised.layout

    def column_name(self, role: str) -> str:
        indexes = self.recognised.columns.get(role) or []
        return self.recognised.header[indexes[0]].strip() if indexes else role

    def error(self, line: int, role: str, message: str) -> None:
        self.errors.append(FieldError(f"line {line}, column {self.column_name(role)}", message))
        if len(self.errors) >= MAX_ERRORS:
            raise self.failure()

    def failure(self) -> InvalidInput:
        count = len(self.errors)
        first = self.errors[0]
        return InvalidInput(
            f"{count} problem(s) in the statement, first at {first.field}: {first.message}; "
            "nothing was imported",
            list(self.errors),
        )

    def lines(self) -> Iterator[StatementLine]:
        """Every data line below the header, up to the footer. Bad lines are recorded in
        `errors` (and stop the read after MAX_ERRORS); the caller checks them at the end."""
        for number, cells in self.rows:
            self.lines_read = number
            first = next((t for t in map(values.text, cells) if t), "")
            if not first or all(values.is_empty(c) for c in cells):
                continue
            if first.startswith(FOOTER_WORDS):
                return
            line = self._line(number, cells)
            if line is not None:
                yield line

    def peek_own_account(self, rows: int = 20) -> None:
        """Name the account from a column (商户号, 本方账号, BOC's 收款人账号) of the first
        credit lines; the rows read stay in line for `lines()`."""
        peeked: list[Row] = []
        for number, cells in self.rows:
            peeked.append((number, cells))
            own = digits(self._text(cells, "own_account"))
            if own and self._looks_like_credit(cells):
                self.named_account = own
                break
            if len(peeked) >= rows:
                break
        self.rows = itertools.chain(peeked, self.rows)

    def _looks_like_credit(self, cells: list) -> bool:
        layout = self.layout
        try:
            if layout.sign == "direction":
                return normal_header(self._get(cells, "direction")) in layout.credit_words
            if "amount" in self.recognised.columns:
                return (values.amount_fen(self._get(cells, "amount")) or 0) > 0
            return (values.amount_fen(self._get(cells, "credit")) or 0) > 0
        except ValueError:
            return False

    def _get(self, cells: list, role: str) -> object:
        indexes = self.recognised.columns.get(role)
        if not indexes or indexes[0] >= len(cells):
            return None
        return cells[indexes[0]]

    def _text(self, cells: list, role: str) -> str:
        indexes = self.recognised.columns.get(role) or []
        parts = [_cell_text(cells, i) for i in indexes]
        return " ".join(p for p in parts if p)[:500]

    def _amount(self, number: int, cells: list, role: str) -> int | None:
        try:
            return values.amount_fen(self._get(cells, role))
        except ValueError as exc:
            self.error(number, role, str(exc))
            raise

    def _line(self, number: int, cells: list) -> StatementLine | None:
        money_roles = ("credit", "debit", "amount")
        date_cell = self._get(cells, "date")
        if values.is_empty(date_cell) and all(
            values.is_empty(self._get(cells, r)) for r in money_roles
        ):
            return None  # a note between lines
        try:
            booked_on, booked_time = values.date_and_time(date_cell)
        except ValueError as exc:
            self.error(number, "date", str(exc))
            return None
        try:
            if "time" in self.recognised.columns:
                booked_time = values.time_of(self._get(cells, "time")) or booked_time
        except ValueError as exc:
            self.error(number, "time", str(exc))
            return None
        try:
            direction, amount = self._money(number, cells)
            fee = self._amount(number, cells, "fee") if direction == "credit" else None
            balance = self._amount(number, cells, "balance")
        except ValueError:
            return None
        if direction == "":
            return None
        payer = self._text(cells, "payer")[:200]
        payer_account = self._text(cells, "payer_account")[:100]
        remark = self._text(cells, "remark")
        txn_id = self._text(cells, "txn_id")[:100]
        key = content_key(
            direction=direction,
            booked_on=booked_on,
            booked_time=booked_time,
            amount_fen=amount,
            payer=payer,
            payer_account=payer_account,
            remark=remark,
            txn_id=txn_id,
            balance_fen=balance,
        )
        # the same key twice in one file is two lines (two 500-yuan gifts from 周九 on one
        # day without time or balance; a bank repeating a transaction number): number
        # the repeats, in file order, which every export of that day shares. The counter
        # keeps 12-byte digests only.
        digest = hashlib.blake2b(key.encode(), digest_size=12).digest()
        self._seen[digest] += 1
        if self._seen[digest] > 1:
            key = f"{key}|#{self._seen[digest]}"
        if direction == "credit" and not self.named_account:
            # a column naming our own account (本方账号, 商户号, BOC's 收款人账号)
            self.named_account = digits(self._text(cells, "own_account"))
        return StatementLine(
            line=number,
            direction=direction,
            booked_on=booked_on,
            booked_time=booked_time,
            amount_fen=amount,
            fee_fen=abs(fee or 0),
            payer=payer,
            payer_account=payer_account,
            remark=remark,
            txn_id=txn_id,
            balance_fen=balance,
            key=key,
        )

    def _money(self, number: int, cells: list) -> tuple[str, int]:
        """("credit"|"debit", positive fen), or ("", 0) for a line that moves nothing."""
        layout = self.layout
        if layout.sign == "direction":
            word = normal_header(self._get(cells, "direction"))
            if word in layout.credit_words:
                amount = self._amount(number, cells, "credit")
                if amount is None:
                    self.error(number, "credit", "the amount is empty")
                    raise ValueError
                if amount < 0:
                    self.error(number, "credit", f"a payment of a negative amount ({amount} fen)")
                    raise ValueError
                return ("credit", amount) if amount else ("", 0)
            if word in layout.debit_words:
                amount = self._amount(number, cells, "debit")
                if amount is None:
                    amount = self._amount(number, cells, "credit")
                return ("debit", abs(amount)) if amount else ("", 0)
            self.error(number, "direction", f"neither a payment nor a refund: {word!r}")
            raise ValueError
        if layout.sign == "signed" or "amount" in self.recognised.columns:
            amount = self._amount(number, cells, "amount")
            if amount is None:
                self.error(number, "amount", "the amount is empty")
                raise ValueError
            if amount == 0:
                return "", 0
            return ("credit", amount) if amount > 0 else ("debit", -amount)
        credit = self._amount(number, cells, "credit")
        debit = self._amount(number, cells, "debit") if "debit" in self.recognised.columns else None
        if credit is not None and credit < 0:
            self.error(number, "credit", f"a credit with a negative amount ({credit} fen)")
            raise ValueError
        if credit and debit:
            self.error(number, "debit", "both a credit and a debit on one line")
            raise ValueError
        if credit:
            return "credit", credit
        if debit:
            return "debit", abs(debit)
        if credit is None and debit is None:
            self.error(number, "credit", "the line has a date but no amount")
            raise ValueError
        return "", 0


_LABEL_NOTE = re.compile(r"[\[(（][^\])）0-9]*[\])）]")


def _named_account(metadata: list[str]) -> str:
    for text in metadata:
        match = _ACCOUNT_RE.search(_LABEL_NOTE.sub("", unicodedata.normalize("NFKC", text)))
        if match:
            return digits(match.group(1))
    return ""


def open_statement(binary: IO[bytes], layout: Layout | None = None) -> Statement:
    """Find the header (by `layout` when given, else by every known layout) and return
    the statement ready to read. Raises UnknownLayout when no header is recognised."""
    rows = read_rows(binary)
    scanned: list[Row] = []
    metadata: list[str] = []
    dated_header: int | None = None
    date_words = {normal_header(w) for lay in LAYOUTS for w in lay.columns.get("date", ())}
    for number, cells in rows:
        scanned.append((number, cells))
        found = recognise([values.text(c) for c in cells], only=layout)
        if found is not None:
            statement = Statement(
                recognised=found,
                header_line=number,
                metadata=metadata,
                rows=rows,
                first_rows=scanned,
            )
            statement.named_account = _named_account(metadata)
            if not statement.named_account and "own_account" in found.columns:
                statement.peek_own_account()
            return statement
        texts = [values.text(c) for c in cells]
        metadata.append(" ".join(t for t in texts if t))
        if dated_header is None and any(normal_header(t) in date_words for t in texts):
            dated_header = number
        if len(scanned) >= HEADER_SCAN:
            break
    if not scanned or not any(any(values.text(c) for c in cells) for _, cells in scanned):
        raise InvalidInput.on("file", "the file has no rows")
    if layout is not None:
        names = [name for names in layout.columns.values() for name in names]
        message = (
            f"the columns of the mapping {layout.title!r} are not all in any of the first "
            f"{len(scanned)} lines: {', '.join(names)}"
        )
    elif dated_header is not None:
        message = (
            f"line {dated_header} looks like a header with a date but no amount column "
            "(收入/支出, 贷方/借方, 金额): map the columns by hand"
        )
    else:
        message = (
            f"no known statement layout in the first {len(scanned)} lines: this is not a "
            "bank or wallet statement we know — map its columns by hand"
        )
    raise UnknownLayout(message, _preview(scanned), _named_account(metadata))
