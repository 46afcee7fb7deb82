"""统一社会信用代码 validation (GB 32100-2015 with the GB 11714 organization code check)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.orgs.uscc import (
    USCC_CHARSET,
    UsccError,
    describe_uscc,
    organization_code_check_digit,
    uscc_check_character,
    validate_uscc,
)

# Published codes of real organizations (and of well-known validator test suites), each checked
# by hand against both check characters.
REAL_CODES = [
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "914403001922038216",  # 华为技术有限公司
    "91110000802100433B",  # 北京百度网讯科技有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91310115591693856A",  # hutool CreditCodeUtilTest
    "91310110666007217T",  # hutool CreditCodeUtilTest
    "91350200MA31E12PXF",  # Xiamen enterprise, letters in the organization code
    "91440300MA5H0HLK5U",  # Shenzhen enterprise, letters in the organization code
    "91350213678251743X",  # check character X
    "123502001549897397",  # 机构编制 / 事业单位
]

# Same-authority codes from early pilot regions that break the national check (rejected).
PILOT_CODES = ["91350211M00013FA1N", "91350203M0001QAY9B"]

INVALID_CHARS = "IOSVZ-* a"


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_validate(code: str) -> None:
    assert validate_uscc(code) == code
    assert uscc_check_character(code[:17]) == code[17]
    assert organization_code_check_digit(code[8:16]) == code[16]


def test_validate_normalizes() -> None:
    assert validate_uscc("  91330100799655058b\n") == "91330100799655058B"
    assert validate_uscc("9144030071526726xg") == "9144030071526726XG"


@pytest.mark.parametrize("code", PILOT_CODES)
def test_pilot_codes_failing_the_standard_are_rejected(code: str) -> None:
    with pytest.raises(UsccError, match="check character"):
        validate_uscc(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("9133010079965505", "18 characters, got 16"),
        ("91330100799655058BB", "18 characters, got 19"),
        ("913301007996550I8B", "bad character 'I' at position 16"),
        ("91330100799655O58B", "bad character 'O' at position 15"),
        ("Z1330100799655058B", "bad character 'Z' at position 1"),
        ("91330100799655058S", "bad character 'S' at position 18"),
        ("9133-100799655058B", "bad character '-' at position 5"),
        ("B1330100799655058B", "registration authority code 'B' at position 1"),
        ("90330100799655058B", "organization type code '0' at position 2"),
        ("9A330100799655058B", "organization type code 'A' at position 2"),
        ("9133A100799655058B", "bad character 'A' at position 5"),
        ("91330100799655059B", "organization code check digit at position 17: expected 8"),
        ("91330100799655058C", "check character at position 18: expected B, got C"),
    ],
)
def test_error_messages_say_what_is_wrong(code: str, message: str) -> None:
    with pytest.raises(UsccError, match=message):
        validate_uscc(code)


def test_uscc_error_is_a_value_error() -> None:
    assert issubclass(UsccError, ValueError)


def test_rejects_non_text() -> None:
    with pytest.raises(UsccError):
        validate_uscc(91330100799655058)  # type: ignore[arg-type]


def test_check_character_needs_17_characters() -> None:
    with pytest.raises(UsccError, match="17"):
        uscc_check_character("9133010079965505")
    with pytest.raises(UsccError, match="position 3"):
        uscc_check_character("91I30100799655058")


def test_organization_code_check_digit() -> None:
    # GB 11714: 11 - (weighted sum mod 11); 10 -> X, 11 -> 0.
    assert organization_code_check_digit("71526726") == "X"
    assert organization_code_check_digit("MA31E12P") == "X"
    assert organization_code_check_digit("79965505") == "8"
    with pytest.raises(UsccError):
        organization_code_check_digit("7996550")


def test_describe_uscc() -> None:
    info = describe_uscc("91330100799655058B")
    assert info.authority == "工商"
    assert info.org_type == "企业"
    assert info.division == "330100"
    assert info.organization_code == "79965505-8"
    assert describe_uscc("123502001549897397").org_type == "事业单位"


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_single_character_corruption_fails(code: str) -> None:
    for index, original in enumerate(code):
        for replacement in USCC_CHARSET + INVALID_CHARS:
            if replacement.upper() == original:
                continue  # the same character (or its lowercase form) is no corruption
            corrupted = code[:index] + replacement + code[index + 1 :]
            with pytest.raises(UsccError):
                validate_uscc(corrupted)


@pytest.mark.parametrize("code", REAL_CODES)
def test_adjacent_transpositions_in_first_17_fail(code: str) -> None:
    for index in range(16):
        if code[index] == code[index + 1]:
            continue
        swapped = code[:index] + code[index + 1] + code[index] + code[index + 2 :]
        with pytest.raises(UsccError):
            validate_uscc(swapped)


# Structurally valid codes built from parts: authority/type, division, organization code body.
_ORG_BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
generated_codes = st.builds(
    lambda head, division, body: _complete(head + division + body),
    st.sampled_from(["11", "12", "51", "52", "53", "91", "92", "93", "Y1"]),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=_ORG_BODY_CHARS, min_size=8, max_size=8),
)


def _complete(first16: str) -> str:
    first17 = first16 + organization_code_check_digit(first16[8:16])
    return first17 + uscc_check_character(first17)


@given(generated_codes)
def test_generated_codes_validate(code: str) -> None:
    assert validate_uscc(code) == code
    assert validate_uscc(code.lower()) == code


@given(
    generated_codes,
    st.integers(min_value=0, max_value=17),
    st.sampled_from(USCC_CHARSET + INVALID_CHARS),
)
def test_generated_code_corruption_fails(code: str, index: int, replacement: str) -> None:
    if replacement.upper() == code[index]:
        return
    corrupted = code[:index] + replacement + code[index + 1 :]
    with pytest.raises(UsccError):
        validate_uscc(corrupted)
