"""Money helpers. Every amount is an integer number of fen (1 yuan = 100 fen), CNY.

Nothing here ever touches a float: text is parsed with ``decimal.Decimal`` and formatting uses
integer arithmetic or ``Decimal`` with a context wide enough to stay exact.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

__all__ = [
    "FEN_PER_YUAN",
    "Fen",
    "MoneyError",
    "amount_in_words",
    "format_wan",
    "format_yuan",
    "parse_yuan",
]

Fen = int
"""An amount of money in fen (分), the smallest unit of the yuan."""

FEN_PER_YUAN = 100
_FEN_PER_WAN = 10_000 * FEN_PER_YUAN

# Longest text parse_yuan looks at; real amounts are far shorter.
_MAX_TEXT = 64

# Optional sign (before or after the currency symbol), optional symbol, integer part either plain
# or with correct thousands grouping, optional fraction, optional trailing 元.
_AMOUNT_RE = re.compile(
    r"""
    ^(?P<sign1>[+-]?)\s*
    (?P<symbol>¥?)\s*
    (?P<sign2>[+-]?)\s*
    (?P<int>\d{1,3}(?:,\d{3})+|\d+)
    (?:\.(?P<frac>\d+))?
    \s*元?$
    """,
    re.VERBOSE | re.ASCII,
)


class MoneyError(ValueError):
    """A money amount could not be parsed or represented."""


def _require_int(fen: object) -> int:
    # bool is an int subclass; True is never an amount.
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"amount must be an int number of fen, got {type(fen).__name__}")
    return fen


def parse_yuan(text: str) -> Fen:
    """Parse a yuan amount written by a person into integer fen.

    Accepts ``"12.34"``, ``"¥1,234.5"``, ``"￥1234"``, ``"1234元"``, full-width digits (``"０"``),
    and a leading sign (``"-¥12.00"``, ``"¥-12"``). Sign checks are the caller's business.
    Raises MoneyError for empty text, garbage, wrong digit grouping, or more than two decimal
    places (``"1.234"``, and also ``"1.230"``, which may be a European-style ``1,230``).
    """
    if not isinstance(text, str):
        raise MoneyError(f"amount must be text, got {type(text).__name__}")
    # NFKC folds full-width digits, '，', '．' and '￥' into their ASCII / ¥ forms.
    normalized = unicodedata.normalize("NFKC", text).strip()
    if not normalized:
        raise MoneyError("amount is empty")
    if len(normalized) > _MAX_TEXT:
        raise MoneyError(f"amount is too long ({len(normalized)} characters)")
    match = _AMOUNT_RE.match(normalized)
    if match is None:
        raise MoneyError(f"not a yuan amount: {text!r}")
    sign1, sign2 = match["sign1"], match["sign2"]
    if sign1 and sign2:
        raise MoneyError(f"amount has two signs: {text!r}")
    negative = (sign1 or sign2) == "-"
    integer_part = match["int"].replace(",", "")
    fraction = match["frac"] or ""
    if len(fraction) > 2:
        raise MoneyError(f"amount has more than 2 decimal places: {text!r}")
    try:
        value = Decimal(f"{integer_part}.{fraction or '0'}")
    except InvalidOperation as exc:  # pragma: no cover - the regex already rules this out
        raise MoneyError(f"not a yuan amount: {text!r}") from exc
    with localcontext() as ctx:
        ctx.prec = len(integer_part) + 8
        fen_value = value.scaleb(2)
        fen = int(fen_value)  # exact: at most two decimal places were allowed
    return -fen if negative else fen


def format_yuan(fen: Fen, symbol: bool = True) -> str:
    """Format fen as yuan with thousands separators: ``203158000 -> "¥2,031,580.00"``.

    Negative amounts put the sign before the symbol: ``-1200 -> "-¥12.00"``.
    """
    fen = _require_int(fen)
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{'¥' if symbol else ''}{yuan:,}.{cents:02d}"


def format_wan(fen: Fen) -> str:
    """Short form for headlines: ``203158000 -> "203.16万元"``; under 1万 yuan ``"9,999.00元"``.

    万 amounts are rounded half up (away from zero) to two decimals.
    """
    fen = _require_int(fen)
    if abs(fen) < _FEN_PER_WAN:
        return f"{format_yuan(fen, symbol=False)}元"
    with localcontext() as ctx:
        ctx.prec = len(str(abs(fen))) + 8
        wan = (Decimal(fen) / _FEN_PER_WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{wan:,.2f}万元"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")
# Up to 9999亿: beyond that the 万亿 compound unit needs special casing no event will ever need.
_SECTIONS = ("", "万", "亿")
_MAX_YUAN = 10 ** (4 * len(_SECTIONS)) - 1


def _section_words(section: int) -> str:
    """Words for 0 < section < 10000 (no section unit), with inner zeros read as one 零."""
    words: list[str] = []
    pending_zero = False
    for place in range(3, -1, -1):
        digit = section // 10**place % 10
        if digit == 0:
            pending_zero = bool(words)
            continue
        if pending_zero:
            words.append("零")
            pending_zero = False
        words.append(_DIGITS[digit] + _PLACES[place])
    return "".join(words)


def _yuan_words(yuan: int) -> str:
    """Words for a positive number of whole yuan, without the trailing 圆."""
    sections: list[int] = []
    while yuan:
        yuan, section = divmod(yuan, 10_000)
        sections.append(section)
    words: list[str] = []
    for index in range(len(sections) - 1, -1, -1):
        section = sections[index]
        if section == 0:
            continue
        # A zero gap before this section (an all-zero section in between, or this section's own
        # 仟 place being 0) is read as one 零. When only the previous section's low places are
        # 0 and this section's 仟 is not (107,000 -> 壹拾万柒仟), the rules make the 零 optional;
        # we leave it out, as spoken Chinese does.
        gap = index + 1 < len(sections) and (sections[index + 1] == 0 or section < 1000)
        if words and gap:
            words.append("零")
        words.append(_section_words(section) + _SECTIONS[index])
    return "".join(words)


def amount_in_words(fen: Fen) -> str:
    """Chinese financial uppercase (大写) for receipts, per the 《支付结算办法》 writing rules.

    - Up to 圆: ends with 整 (``100000 -> 壹仟圆整``); 0 -> 零圆整.
    - Up to 角: also ends with 整 (``1050 -> 壹拾圆伍角整``), so a 大写 amount ends with 整
      exactly when it has no 分.
    - With 分: no 整; when 角 is 0 a 零 stands for it (``100000001 -> 壹佰万圆零壹分``).
    - Under one yuan the 圆 is left out (``5 -> 伍分``, ``50 -> 伍角整``).
    - Runs of zeros inside the number are written as a single 零 (``100500 -> 壹仟零伍圆整``);
      when 圆 place is 0 but 角 is not, the optional 零 is omitted (``壹拾圆伍角整``).
    """
    fen = _require_int(fen)
    if fen < 0:
        raise MoneyError(f"cannot write a negative amount in words: {fen}")
    yuan, cents = divmod(fen, FEN_PER_YUAN)
    if yuan > _MAX_YUAN:
        raise MoneyError(f"amount too large to write in words: {fen} fen")
    jiao, fen_digit = divmod(cents, 10)
    if yuan == 0 and cents == 0:
        return "零圆整"
    words = f"{_yuan_words(yuan)}圆" if yuan else ""
    if jiao:
        words += f"{_DIGITS[jiao]}角"
    elif fen_digit and yuan:
        words += "零"
    if fen_digit:
        words += f"{_DIGITS[fen_digit]}分"
    else:
        words += "整"
    return words
