"""统一社会信用代码 (Unified Social Credit Code, USCC) per GB 32100-2015.

An 18-character code, charset ``0-9`` and uppercase letters except I, O, Z, S and V:

====== ==========================================================================
1      registration authority (登记管理部门代码): 1 机构编制, 5 民政, 9 工商, Y 其他…
2      organization type (机构类别代码) within that authority: 9 1 = 企业, 5 2 = 民办非企业单位…
3-8    administrative division of the registering office (GB/T 2260, six digits)
9-17   organization code (GB 11714); position 17 is its own mod-11 check digit
18     check character: weighted sum of positions 1-17, mod 31
====== ==========================================================================

Some codes issued by early pilot regions (e.g. Xiamen, 2015) do not satisfy the check
characters; they are rejected here, as the national standard does.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "USCC_CHARSET",
    "UsccError",
    "UsccInfo",
    "describe_uscc",
    "organization_code_check_digit",
    "uscc_check_character",
    "validate_uscc",
]

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100; a character's value is its index here."""

_USCC_VALUES = {char: value for value, char in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# GB 32100-2015 Annex A (with the later 中央军委 and 农业 additions): registration authority and
# the organization types it registers. Position 2 is checked only to be a type digit, so that a
# type added after this table does not lock a real organization out; the names serve display.
REGISTRATION_AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": (
        "民政",
        {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"},
    ),
    "6": (
        "旅游",
        {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻代表机构", "9": "其他"},
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": (
        "农业",
        {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
    ),
    "Y": ("其他", {"1": "其他"}),
}


class UsccError(ValueError):
    """The text is not a valid 统一社会信用代码; the message says what is wrong."""


class UsccInfo(NamedTuple):
    """The parts of a valid code, with names where GB 32100 gives them."""

    code: str
    authority: str
    org_type: str
    division: str
    organization_code: str


def _value(char: str, position: int) -> int:
    try:
        return _USCC_VALUES[char]
    except KeyError:
        raise UsccError(
            f"bad character {char!r} at position {position}: "
            "allowed are 0-9 and A-Z except I, O, S, V, Z"
        ) from None


def uscc_check_character(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a code.

    ``uscc_check_character("91330100799655058") == "B"``. Raises UsccError if the input is not
    17 characters of the USCC charset; the other structural rules are not checked here.
    """
    if len(first17) != 17:
        raise UsccError(f"need the first 17 characters to compute a check, got {len(first17)}")
    total = sum(
        _value(char, position) * weight
        for position, (char, weight) in enumerate(zip(first17, _USCC_WEIGHTS, strict=True), 1)
    )
    return USCC_CHARSET[(31 - total % 31) % 31]


def organization_code_check_digit(body: str) -> str:
    """GB 11714 check digit (``0-9`` or ``X``) for the 8-character body of an organization code.

    Characters count 0-9 for digits and 10-35 for the letters A-Z.
    """
    if len(body) != 8 or not all(c.isascii() and (c.isdigit() or c.isupper()) for c in body):
        raise UsccError(f"organization code body must be 8 characters 0-9/A-Z, got {body!r}")
    total = sum(
        int(char, 36) * weight for char, weight in zip(body, _ORG_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_uscc(code: str) -> str:
    """Return the code normalized (stripped, uppercased) or raise UsccError saying what is wrong."""
    if not isinstance(code, str):
        raise UsccError(f"code must be text, got {type(code).__name__}")
    normalized = code.strip().upper()
    if not normalized:
        raise UsccError("code is empty")
    if len(normalized) != 18:
        raise UsccError(f"code must be 18 characters, got {len(normalized)}")
    for position, char in enumerate(normalized, 1):
        _value(char, position)
    authority = normalized[0]
    if authority not in REGISTRATION_AUTHORITIES:
        raise UsccError(
            f"unknown registration authority code {authority!r} at position 1: "
            f"expected one of {''.join(REGISTRATION_AUTHORITIES)}"
        )
    if normalized[1] not in "123456789":
        raise UsccError(f"bad organization type code {normalized[1]!r} at position 2: expected 1-9")
    for position in range(3, 9):
        if not normalized[position - 1].isdigit():
            raise UsccError(
                f"bad character {normalized[position - 1]!r} at position {position}: "
                "the administrative division (positions 3-8) is digits only"
            )
    expected_org_check = organization_code_check_digit(normalized[8:16])
    if normalized[16] != expected_org_check:
        raise UsccError(
            f"wrong organization code check digit at position 17: "
            f"expected {expected_org_check}, got {normalized[16]}"
        )
    expected = uscc_check_character(normalized[:17])
    if normalized[17] != expected:
        raise UsccError(
            f"wrong check character at position 18: expected {expected}, got {normalized[17]}"
        )
    return normalized


def describe_uscc(code: str) -> UsccInfo:
    """Validate a code and name its parts (``"工商"``, ``"企业"``, ``"330100"``…)."""
    normalized = validate_uscc(code)
    authority, types = REGISTRATION_AUTHORITIES[normalized[0]]
    return UsccInfo(
        code=normalized,
        authority=authority,
        org_type=types.get(normalized[1], "未列明"),
        division=normalized[2:8],
        organization_code=f"{normalized[8:16]}-{normalized[16]}",
    )
