"""Cell values as statements write them: amounts, dates, times and plain text.

Each parser takes one cell (text from a CSV, or a spreadsheet's own value) and raises
ValueError with a message a treasurer understands; the caller adds line and column.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

from service.money import MoneyError, parse_yuan

_EMPTY = {"", "-", "--", "—", "null", "none", "nan"}


def text(cell: object) -> str:
    """A cell as clean text: WeChat's leading backtick, Excel's ="…" and tab guards gone;
    a whole float from a spreadsheet (an account number) without its `.0`."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime | dt.date | dt.time):
        return cell.isoformat(sep=" ") if isinstance(cell, dt.datetime) else cell.isoformat()
    value = str(cell).strip()
    if value.startswith('="') and value.endswith('"'):
        value = value[2:-1]
    return value.lstrip("`'\t").strip()


def is_empty(cell: object) -> bool:
    return text(cell).lower() in _EMPTY


def amount_fen(cell: object) -> int | None:
    """Fen from `1,000.00`, `¥1,000.00`, `1000元`, `(30.00)` (negative), `+500`, `-3.00`,
    or a spreadsheet number; None for an empty cell."""
    if cell is None or isinstance(cell, bool):
        return None
    if isinstance(cell, int):
        return cell * 100
    if isinstance(cell, float):
        fen = Decimal(repr(cell)) * 100
        if fen != fen.to_integral_value():
            raise ValueError(f"amount {cell!r} has more than two decimal places")
        return int(fen)
    raw = text(cell)
    if raw.lower() in _EMPTY:
        return None
    cleaned = unicodedata.normalize("NFKC", raw).replace(" ", "")
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1]
    cleaned = re.sub(r"^(RMB|CNY|人民币)", "", cleaned, flags=re.IGNORECASE)
    cleaned = re.sub(r"(RMB|CNY|人民币)$", "", cleaned, flags=re.IGNORECASE)
    if cleaned.startswith("+"):
        cleaned = cleaned[1:]
    try:
        fen = parse_yuan(cleaned)
    except MoneyError as exc:
        raise ValueError(f"not an amount: {raw!r}") from exc
    return -fen if negative else fen


_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*(?:[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"|(?P<m8>\d{2})(?P<d8>\d{2}))"
    r"(?:[\sT]*(?P<time>\d{1,2}[:：]\d{2}(?:[:：]\d{2})?|\d{6}))?$"
)
_TIME_RE = re.compile(r"^(?P<h>\d{1,2})[:：]?(?P<mi>\d{2})(?:[:：]?(?P<s>\d{2}))?$")


def date_and_time(cell: object) -> tuple[dt.date, dt.time | None]:
    """A date, and the time when the same cell carries one: 2026-11-28, 2026/11/28,
    2026.11.28, 20261128, 2026年11月28日, each optionally followed by 09:31[:05]."""
    if isinstance(cell, dt.datetime):
        return cell.date(), (cell.time() if cell.time() != dt.time(0) else None)
    if isinstance(cell, dt.date):
        return cell, None
    raw = unicodedata.normalize("NFKC", text(cell))
    match = _DATE_RE.match(raw)
    if match is None:
        raise ValueError(f"not a date: {raw!r}")
    year = int(match["y"])
    month = int(match["m"] or match["m8"])
    day = int(match["d"] or match["d8"])
    try:
        date = dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"not a date: {raw!r} ({exc})") from exc
    return date, (time_of(match["time"]) if match["time"] else None)


def time_of(cell: object) -> dt.time | None:
    """09:31:05, 9:31, 093105 or a spreadsheet time; None for an empty cell."""
    if isinstance(cell, dt.time):
        return cell
    if isinstance(cell, dt.datetime):
        return cell.time()
    raw = unicodedata.normalize("NFKC", text(cell))
    if raw.lower() in _EMPTY:
        return None
    match = _TIME_RE.match(raw)
    if match is None:
        raise ValueError(f"not a time: {raw!r}")
    try:
        return dt.time(int(match["h"]), int(match["mi"]), int(match["s"] or 0))
    except ValueError as exc:
        raise ValueError(f"not a time: {raw!r} ({exc})") from exc
