"""Statement cells, headers, content keys and the matcher, without a database."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest

from service.errors import InvalidInput
from service.statements import values
from service.statements.layouts import BY_NAME, normal_header, recognise
from service.statements.matching import Candidate, CandidateIndex, propose
from service.statements.parsing import UnknownLayout, open_statement
from tests.statement_samples import FIXTURES, WRITERS


@pytest.mark.parametrize(
    ("cell", "fen"),
    [
        ("1,000.00", 100_000),
        ("¥1,234.50", 123_450),
        ("￥88元", 8_800),
        ("(30.00)", -3_000),
        ("+500", 50_000),
        ("-3.00", -300),
        ("RMB 12.30", 1_230),
        ("`0.06", 6),
        (12.3, 1_230),
        (1000, 100_000),
        ("", None),
        ("--", None),
        (None, None),
    ],
)
def test_amounts_as_statements_write_them(cell, fen):
    assert values.amount_fen(cell) == fen


@pytest.mark.parametrize("cell", ["1千元", "12.345", 0.001, "abc"])
def test_not_an_amount(cell):
    with pytest.raises(ValueError):
        values.amount_fen(cell)


@pytest.mark.parametrize(
    ("cell", "date", "time"),
    [
        ("2026-11-28", dt.date(2026, 11, 28), None),
        ("2026/11/28", dt.date(2026, 11, 28), None),
        ("2026.1.2", dt.date(2026, 1, 2), None),
        ("20261128", dt.date(2026, 11, 28), None),
        ("2026年11月28日", dt.date(2026, 11, 28), None),
        ("2026年11月28日 09:31:05", dt.date(2026, 11, 28), dt.time(9, 31, 5)),
        ("`2026-11-28 09:31:05", dt.date(2026, 11, 28), dt.time(9, 31, 5)),
        ("2026-11-28 9:31", dt.date(2026, 11, 28), dt.time(9, 31)),
        (dt.datetime(2026, 11, 28, 9, 31), dt.date(2026, 11, 28), dt.time(9, 31)),
    ],
)
def test_dates_in_the_common_chinese_forms(cell, date, time):
    assert values.date_and_time(cell) == (date, time)


@pytest.mark.parametrize("cell", ["28/11/2026", "2026-13-01", "昨天", ""])
def test_not_a_date(cell):
    with pytest.raises(ValueError):
        values.date_and_time(cell)


def test_header_names_ignore_units_english_and_spaces():
    assert normal_header("收入金额(元)") == normal_header("收入金额（元） ") == "收入金额"
    assert normal_header("交易日期[ Transaction Date ]") == "交易日期"
    assert recognise(["日期", "付款人", "附言"]) is None  # no amount: not a statement


@pytest.mark.parametrize("layout", list(WRITERS))
def test_each_sample_is_recognised_by_its_own_layout_only(layout):
    file_name, _ = WRITERS[layout]
    with (FIXTURES / file_name).open("rb") as handle:
        statement = open_statement(handle)
        lines = list(statement.lines())
    assert statement.layout is BY_NAME[layout]
    assert statement.named_account  # every sample names its account
    assert [x.direction for x in lines] == ["credit", "credit", "credit", "debit"]
    assert [x.amount_fen for x in lines][:3] == [100_000, 50_000, 20_000]
    assert all(x.booked_time == dt.time(9, 31, 5) for x in lines[:1])
    assert not statement.errors


def test_the_content_key_survives_a_re_export_with_other_names_and_remarks():
    from service.statements.parsing import content_key

    base = {
        "direction": "credit",
        "booked_on": dt.date(2026, 11, 28),
        "booked_time": dt.time(9, 31),
        "amount_fen": 100_000,
        "payer_account": "6222 0212 0201 2345 678",
        "txn_id": "",
        "balance_fen": 1_100_000,
    }
    daily = content_key(**base, payer="孙八", remark="MS1A2B3C4D 认捐")
    monthly = content_key(
        **{**base, "payer_account": "6222021202012345678"}, payer="孙", remark="MS1A2B"
    )
    assert daily == monthly
    assert daily != content_key(**{**base, "balance_fen": 1}, payer="孙八", remark="")


def test_identical_lines_in_one_file_stay_two_lines():
    text = "日期,金额,付款人\n2026-11-21,500,周九\n2026-11-21,500,周九\n"
    statement = open_statement(io.BytesIO(text.encode()))
    keys = [line.key for line in statement.lines()]
    assert len(keys) == len(set(keys)) == 2


def test_an_unknown_header_comes_back_with_a_preview():
    text = "对账单\n入账日,进账,汇款人\n2026/11/28,5.00,张三\n"
    with pytest.raises(UnknownLayout) as unknown:
        open_statement(io.BytesIO(text.encode("gbk")))
    assert unknown.value.preview[1] == ["入账日", "进账", "汇款人"]
    with pytest.raises(InvalidInput):
        open_statement(io.BytesIO(b""))


def _candidates(*rows):
    return CandidateIndex.build(
        Candidate(uuid.UUID(int=i + 1), code, outstanding, frozenset(names))
        for i, (code, outstanding, names) in enumerate(rows)
    )


def test_the_code_decides_and_ambiguity_proposes_nothing():
    index = _candidates(("MSAAAAAAAA", 500, {"张三"}), ("MSBBBBBBBB", 500, {"张三"}))
    found = propose(500, "张三", "msbbbbbbbb 捐款", index)
    assert found.pledge_id == uuid.UUID(int=2) and found.certain
    assert propose(500, "张三", "", index) is None  # two fit by name: ambiguous
    assert propose(600, "张三", "", index) is None  # amount is not exactly outstanding


def test_a_truncated_code_is_certain_only_when_long_enough_and_unique():
    index = _candidates(("MS1A2B3C4D", 500, set()), ("MS1A2B9999", 500, set()))
    six = propose(500, "", "认捐MS1A2B3C", index)
    assert six.pledge_id == uuid.UUID(int=1) and six.certain
    assert propose(500, "", "认捐MS1A2B", index) is None  # both share MS1A2B
    four = propose(500, "", "MS1A2B", _candidates(("MS1A2B3C4D", 500, set())))
    assert four is not None and not four.certain
    typo = propose(500, "", "MS1A2B3C4E", index)  # 8 digits naming no pledge
    assert typo is not None and not typo.certain


def test_a_name_in_a_wallet_remark_is_proposed_but_not_certain():
    index = _candidates(("MSAAAAAAAA", 500, {"孙八"}))
    found = propose(500, "孙**(5678)", "孙八 认捐", index)
    assert found.pledge_id == uuid.UUID(int=1) and not found.certain


def test_a_repeated_transaction_number_does_not_swallow_a_line():
    text = (
        "交易日期,交易金额,本次余额,对方户名,交易流水号\n"
        "20261128,+5.00,10.00,张三,0001\n"
        "20261128,+5.00,15.00,李四,0001\n"  # a bank numbering per day, or a junk column
    )
    keys = [x.key for x in open_statement(io.BytesIO(text.encode("gbk"))).lines()]
    assert len(set(keys)) == 2
    again = [x.key for x in open_statement(io.BytesIO(text.encode("gbk"))).lines()]
    assert again == keys  # the same export read again gives the same identities
