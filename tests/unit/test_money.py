"""Money helpers: parsing, formatting and 大写 amounts, all in integer fen."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from service.money import (
    MoneyError,
    amount_in_words,
    format_wan,
    format_yuan,
    parse_yuan,
)

# Up to ¥9,999,999,999.99: far beyond any event, small enough to keep examples readable.
amounts = st.integers(min_value=-(10**12), max_value=10**12)
non_negative = st.integers(min_value=0, max_value=10**14 - 1)

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = {"拾": 10, "佰": 100, "仟": 1000}
_WORD_CHARS = set(_DIGITS) | set(_PLACES) | set("万亿圆角分整")


def _small_number(words: str) -> int:
    """Read a 0..9999 part such as 壹仟零伍 (零 is only a placeholder)."""
    total = digit = 0
    for char in words:
        if char == "零":
            continue
        if char in _DIGITS:
            digit = _DIGITS.index(char)
        else:
            assert digit, f"unit {char} without a digit in {words}"
            total += digit * _PLACES[char]
            digit = 0
    return total + digit


def words_to_fen(words: str) -> int:
    """An independent reader of 大写 amounts, used to check amount_in_words round-trips."""
    if words == "零圆整":
        return 0
    body = words.removesuffix("整")
    yuan_words, _, cents_words = body.rpartition("圆")
    yuan = 0
    rest = yuan_words
    for unit, scale in (("亿", 10**8), ("万", 10**4)):
        if unit in rest:
            head, rest = rest.split(unit)
            yuan += _small_number(head) * scale
    yuan += _small_number(rest)
    cents = 0
    for unit, scale in (("角", 10), ("分", 1)):
        if unit in cents_words:
            head, cents_words = cents_words.split(unit)
            cents += _DIGITS.index(head.lstrip("零")) * scale
    assert cents_words.strip("零") == ""
    return yuan * 100 + cents


# --- parse_yuan -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("12.34", 1234),
        ("12.3", 1230),
        ("12", 1200),
        ("0", 0),
        ("0.01", 1),
        ("1234", 123400),
        ("¥1,234.5", 123450),
        ("¥ 1,234.50", 123450),
        ("￥1234.56", 123456),
        ("1234元", 123400),
        ("２０３１５８０", 203158000),
        ("０", 0),
        ("１，２３４．５６", 123456),
        ("  7.00 ", 700),
        ("-¥12.00", -1200),
        ("¥-12", -1200),
        ("-0.5", -50),
        ("+3", 300),
        ("2,031,580.00", 203158000),
        ("999999999999.99", 99999999999999),
    ],
)
def test_parse_yuan_accepts(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("1.234", "more than 2 decimal places"),
        ("1.230", "more than 2 decimal places"),
        ("0.001", "more than 2 decimal places"),
        ("12,34", "not a yuan amount"),
        ("1,2345", "not a yuan amount"),
        (",123", "not a yuan amount"),
        ("12.", "not a yuan amount"),
        (".5", "not a yuan amount"),
        ("abc", "not a yuan amount"),
        ("¥", "not a yuan amount"),
        ("1e5", "not a yuan amount"),
        ("NaN", "not a yuan amount"),
        ("Infinity", "not a yuan amount"),
        ("1_000", "not a yuan amount"),
        ("12 34", "not a yuan amount"),
        ("١٢", "not a yuan amount"),
        ("--1", "two signs"),
        ("-¥-1", "two signs"),
        ("1" * 80, "too long"),
    ],
)
def test_parse_yuan_rejects(text: str, message: str) -> None:
    with pytest.raises(MoneyError, match=message):
        parse_yuan(text)


def test_parse_yuan_rejects_non_text() -> None:
    with pytest.raises(MoneyError):
        parse_yuan(12.5)  # type: ignore[arg-type]


def test_money_error_is_a_value_error() -> None:
    assert issubclass(MoneyError, ValueError)


@given(amounts)
@example(0)
@example(-1)
@example(203158000)
def test_parse_inverts_format(fen: int) -> None:
    assert parse_yuan(format_yuan(fen)) == fen
    assert parse_yuan(format_yuan(fen, symbol=False)) == fen


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_parse_plain_decimal(yuan: int, cents: int) -> None:
    assert parse_yuan(f"{yuan}.{cents:02d}") == yuan * 100 + cents


# --- format_yuan / format_wan ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (203158000, "¥2,031,580.00"),
        (0, "¥0.00"),
        (1, "¥0.01"),
        (99, "¥0.99"),
        (100000, "¥1,000.00"),
        (-1200, "-¥12.00"),
        (-1, "-¥0.01"),
    ],
)
def test_format_yuan(fen: int, text: str) -> None:
    assert format_yuan(fen) == text
    assert format_yuan(fen, symbol=False) == text.replace("¥", "")


@pytest.mark.parametrize("bad", [1.5, "100", None, True])
def test_formatters_refuse_non_int(bad: object) -> None:
    with pytest.raises(TypeError):
        format_yuan(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_wan(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        amount_in_words(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (203158000, "203.16万元"),
        (1_000_000, "1.00万元"),
        (999_999, "9,999.99元"),
        (999_900, "9,999.00元"),
        (0, "0.00元"),
        (1_234_499, "1.23万元"),
        (1_234_500, "1.23万元"),
        (1_235_000, "1.24万元"),  # half up
        (9_999_999, "10.00万元"),
        (12_345_678_900, "12,345.68万元"),
        (-203158000, "-203.16万元"),
        (-500, "-5.00元"),
    ],
)
def test_format_wan(fen: int, text: str) -> None:
    assert format_wan(fen) == text


@given(st.integers(min_value=-999_999, max_value=999_999))
def test_format_wan_small_amounts_are_exact(fen: int) -> None:
    assert format_wan(fen) == format_yuan(fen, symbol=False) + "元"


# --- amount_in_words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        # The brief's examples.
        (100500, "壹仟零伍圆整"),
        (10000000, "壹拾万圆整"),
        (1050, "壹拾圆伍角整"),
        (5, "伍分"),
        (100000001, "壹佰万圆零壹分"),
        (203158000, "贰佰零叁万壹仟伍佰捌拾圆整"),
        (0, "零圆整"),
        # 《支付结算办法》 附件 examples (where two forms are allowed, the one we write).
        (168032, "壹仟陆佰捌拾圆叁角贰分"),
        (10700053, "壹拾万柒仟圆伍角叁分"),
        (1640902, "壹万陆仟肆佰零玖圆零贰分"),
        (32504, "叁佰贰拾伍圆零肆分"),
        # Smaller and edge cases.
        (1, "壹分"),
        (10, "壹角整"),
        (11, "壹角壹分"),
        (100, "壹圆整"),
        (101, "壹圆零壹分"),
        (110, "壹圆壹角整"),
        (1000, "壹拾圆整"),
        (1500, "壹拾伍圆整"),
        (10100, "壹佰零壹圆整"),
        (11000, "壹佰壹拾圆整"),
        (1000000, "壹万圆整"),
        (1000100, "壹万零壹圆整"),
        (1001000, "壹万零壹拾圆整"),
        (1010000, "壹万零壹佰圆整"),
        (1100000, "壹万壹仟圆整"),
        (100050000, "壹佰万零伍佰圆整"),
        (1000700000, "壹仟万柒仟圆整"),
        (10000000000, "壹亿圆整"),
        (10000000100, "壹亿零壹圆整"),
        (10000100000, "壹亿零壹仟圆整"),
        (10100000000, "壹亿零壹佰万圆整"),
        (11000000000, "壹亿壹仟万圆整"),
        (100000100000, "壹拾亿零壹仟圆整"),
        (99999999999999, "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖圆玖角玖分"),
    ],
)
def test_amount_in_words(fen: int, words: str) -> None:
    assert amount_in_words(fen) == words


def test_amount_in_words_rejects_negative_and_huge() -> None:
    with pytest.raises(MoneyError, match="negative"):
        amount_in_words(-1)
    with pytest.raises(MoneyError, match="too large"):
        amount_in_words(10**14)


@given(non_negative)
@example(0)
@example(100000001)
@example(10000000001)
def test_amount_in_words_properties(fen: int) -> None:
    words = amount_in_words(fen)
    assert set(words) <= _WORD_CHARS
    assert "零零" not in words
    # 整 closes an amount without 分, and only then.
    assert words.endswith("整") == (fen % 10 == 0)
    assert words.count("整") <= 1
    if fen:
        assert not words.startswith("零")
        # 零 is a placeholder between digits, never directly before a unit.
        for unit in "拾佰仟万亿圆角分整":
            assert "零" + unit not in words
    assert ("圆" in words) == (fen >= 100 or fen == 0)
    assert words_to_fen(words) == fen
