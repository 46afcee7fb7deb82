"""A pool's matching ratio: read from "gift:match" text, kept as a reduced fraction."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from service.errors import InvalidInput
from service.i18n import gettext as _

MAX_RATIO_DENOMINATOR = 1000


def parse_ratio(text: str) -> tuple[int, int]:
    """ "1:1" → (1, 1); "1:0.5" → (1, 2): the match is gift × numerator / denominator.
    The left side is what the donor gives, the right side what the sponsor adds."""
    parts = text.replace("：", ":").split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        gift, match = Fraction(parts[0].strip()), Fraction(parts[1].strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise InvalidInput.on("ratio", _("请按“捐:配”填写比例，如 1:1 或 1:0.5。")) from exc
    if gift <= 0 or match <= 0:
        raise InvalidInput.on("ratio", _("比例两边都必须大于0。"))
    ratio = match / gift
    if ratio.denominator > MAX_RATIO_DENOMINATOR or ratio > 100:
        raise InvalidInput.on("ratio", _("比例过细或过大（最多 1:100）。"))
    return ratio.numerator, ratio.denominator


def ratio_text(numerator: int, denominator: int) -> str:
    value = Fraction(numerator, denominator)
    if value.denominator == 1:
        return f"1:{value.numerator}"
    exact = Decimal(value.numerator) / Decimal(value.denominator)  # no float for a ratio
    as_decimal = f"{exact.quantize(Decimal('0.0001')):f}".rstrip("0").rstrip(".")
    return f"1:{as_decimal}" if Fraction(as_decimal) == value else f"{denominator}:{numerator}"
