"""Statements as banks and wallets export them: every known layout round-tripped through
import → match → confirm → ledger verify; overlapping exports; one account; bad input."""

from __future__ import annotations

import dataclasses
import io
import uuid

import pytest

from service.errors import InvalidInput
from service.ledger.balances import project_fund_figures
from service.ledger.checks import compare_all_events
from service.ledger.services import verify_chain
from service.payments.tables import Payment
from service.pledges.codes import pledge_code
from service.pledges.tables import Pledge
from service.receipts.tables import Receipt
from service.statements import services
from service.statements.parsing import UnknownLayout
from service.statements.tables import StatementEntry, StatementImport
from tests import factories
from tests.factories import TEST_ACTOR, donor_draft
from tests.statement_samples import (
    ALIPAY_ACCOUNT,
    BANK_ACCOUNT,
    FIXTURES,
    WECHAT_MERCHANT,
    WRITERS,
    Sample,
    default_lines,
    icbc_csv,
)

NUMBERS = {"bank": BANK_ACCOUNT, "wechat_pay": WECHAT_MERCHANT, "alipay": ALIPAY_ACCOUNT}
Entry = StatementEntry


async def _pledge(event, project, name: str, amount_fen: int) -> uuid.UUID:
    from service.pledges.services import PledgeDraft, create_pledge

    result = await create_pledge(
        PledgeDraft(event.number, project, donor_draft(name), amount_fen), TEST_ACTOR
    )
    return result.pledge_id


async def _world():
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(5_000_000,))
    sun = await _pledge(event, project, "孙八", 100_000)
    zhou = await _pledge(event, project, "周九", 50_000)
    return event, project, sun, zhou


async def _account(provider: str = "bank", number: str | None = None) -> int:
    return await services.add_account(
        f"{provider}-{uuid.uuid4().hex[:6]}", provider, number or NUMBERS[provider], "", TEST_ACTOR
    )


async def _ledger_ok() -> None:
    report = await verify_chain()
    assert report.ok, report.problems
    assert await compare_all_events() == []


def _status(rows, payer_word: str) -> dict:
    return next(r for r in rows if payer_word in (r["payer"] + r["remark"]))


@pytest.mark.parametrize("layout", list(WRITERS))
async def test_every_known_layout_round_trips_to_a_verified_ledger(clean_db, layout):
    event, project, sun, zhou = await _world()
    file_name, _writer = WRITERS[layout]
    provider = layout if layout in ("wechat_pay", "alipay") else "bank"
    account = await _account(provider)

    with (FIXTURES / file_name).open("rb") as handle:
        outcome = await services.import_statement_file(handle, TEST_ACTOR, file_name=file_name)
    assert outcome.account_id == account  # found by the number the file names
    assert outcome.layout == layout
    assert (outcome.lines, outcome.new_credits, outcome.new_debits) == (4, 3, 1)

    rows = await Entry.select().where(Entry.account == account)
    assert _status(rows, "孙")["proposed_pledge"] == sun
    assert _status(rows, "周")["proposed_pledge"] == zhou
    assert _status(rows, "现场捐赠")["status"] == "unmatched"
    debit = next(r for r in rows if r["direction"] == "debit")
    assert debit["status"] == "listed"
    # banks name the payer: certain; wallets mask it and the name is in the remark
    assert _status(rows, "孙")["certain"] is (provider == "bank")

    bulk = await services.confirm_certain(TEST_ACTOR, account)
    assert bulk.applied == (2 if provider == "bank" else 0) and not bulk.failed
    for row in await Entry.select().where(Entry.status == "proposed"):
        await services.confirm_entry(row["id"], row["proposed_pledge"], TEST_ACTOR)
    gift = await services.record_anonymous_gift(
        _status(rows, "现场捐赠")["id"], event.number, project, TEST_ACTOR
    )
    with pytest.raises(InvalidInput.__mro__[1]):  # a debit is never applied
        await services.confirm_entry(debit["id"], sun, TEST_ACTOR)

    payments = await Payment.select().where(Payment.provider == provider)
    assert sorted(p["amount_fen"] for p in payments) == [20_000, 50_000, 100_000]
    fees = sum(p["fee_fen"] for p in payments)
    assert fees == (600 + 300 + 120 if provider != "bank" else 0)
    statuses = {
        r["id"]: r["status"]
        for r in await Pledge.select(Pledge.id, Pledge.status).where(
            Pledge.id.is_in([sun, zhou, gift])
        )
    }
    assert set(statuses.values()) == {"paid"}
    assert await Receipt.exists().where(Receipt.payment.pledge == gift)
    figures = await project_fund_figures(project)
    assert figures.received == 170_000
    assert figures.fees == fees
    await _ledger_ok()

    # the same file again: nothing new, nothing applied twice
    with (FIXTURES / file_name).open("rb") as handle:
        again = await services.import_statement_file(handle, TEST_ACTOR, account_id=account)
    assert (again.new_credits, again.new_debits, again.known) == (0, 0, 4)
    assert await Payment.count() == 3
    await _ledger_ok()


async def test_a_monthly_export_after_a_daily_one_adds_only_the_new_lines(clean_db):
    await _world()
    account = await _account()
    lines = default_lines()
    daily = icbc_csv(lines[:2])
    # the monthly export re-cases and cuts remarks and names differently
    monthly = icbc_csv(
        [dataclasses.replace(x, remark=x.remark.upper()[:4], payer=x.payer[:1]) for x in lines]
    )
    first = await services.import_statement_file(io.BytesIO(daily), TEST_ACTOR)
    assert first.new_credits == 2
    await services.confirm_certain(TEST_ACTOR)
    assert await Payment.count() == 2

    second = await services.import_statement_file(io.BytesIO(monthly), TEST_ACTOR)
    assert (second.new_credits, second.new_debits, second.known) == (1, 1, 2)
    await services.confirm_certain(TEST_ACTOR)
    assert await Payment.count() == 2
    assert await Entry.count().where(Entry.account == account) == 4
    await _ledger_ok()


async def test_the_pledge_code_survives_truncation_and_upper_casing(clean_db):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(5_000_000,))
    pledges = [await _pledge(event, project, f"捐赠人{i}", 30_000) for i in range(4)]
    codes = [pledge_code(p) for p in pledges]
    account = await _account()
    day = default_lines()[0].when
    remarks = [
        f"民生实事认捐{codes[0].lower()}",  # lower-cased by the payer's bank app
        f"认捐 {codes[1][:2]} {codes[1][2:6]}-{codes[1][6:]}",  # spaced and dashed
        f"付款附言很长很长很长被截断{codes[2][:8]}",  # cut to MS + 6 digits
        f"ＭＳ{codes[3][2:].lower()}",  # full-width letters
    ]
    samples = [
        Sample(day.replace(minute=i), 10_000, f"某人{i}", f"62220000{i}", remark)
        for i, remark in enumerate(remarks)
    ]
    outcome = await services.import_statement_file(
        io.BytesIO(icbc_csv(samples)), TEST_ACTOR, account_id=account
    )
    assert outcome.proposed == 4 and outcome.certain == 4
    rows = await Entry.select().where(Entry.account == account).order_by(Entry.source_line)
    assert [r["proposed_pledge"] for r in rows] == pledges
    assert "截断" in rows[2]["proposal_reason"]


async def test_a_statement_from_another_account_is_refused_and_nothing_is_stored(clean_db):
    await _world()
    other = await _account(number="62220000999988887777")
    with (FIXTURES / "icbc.csv").open("rb") as handle, pytest.raises(InvalidInput) as refused:
        await services.import_statement_file(handle, TEST_ACTOR, account_id=other)
    assert BANK_ACCOUNT in refused.value.detail
    with (FIXTURES / "icbc.csv").open("rb") as handle, pytest.raises(InvalidInput) as unknown:
        await services.import_statement_file(handle, TEST_ACTOR)  # no account has its number
    assert unknown.value.errors[0].field == "account"
    wallet = await _account("wechat_pay")
    with (FIXTURES / "icbc.csv").open("rb") as handle, pytest.raises(InvalidInput):
        await services.import_statement_file(handle, TEST_ACTOR, account_id=wallet)
    assert await Entry.count() == 0 and await StatementImport.count() == 0


BAD = {
    "unparseable date": (
        lambda s: s.replace("2026-11-28,10:31:05", "28th Nov,10:31:05"),
        "line 9, column 交易日期",
    ),
    "negative credit": (
        lambda s: s.replace('"20,000.00"', "-200.00").replace(",200.00,,", ",-200.00,,"),
        "line 9, column 收入金额(元)",
    ),
    "garbage amount": (
        lambda s: s.replace('"1,000.00"', "1千元"),
        "line 7, column 收入金额(元)",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
async def test_a_bad_cell_names_its_line_and_column_and_nothing_is_applied(clean_db, case):
    await _world()
    account = await _account()
    edit, field = BAD[case]
    text = (FIXTURES / "icbc.csv").read_bytes().decode("gbk")
    changed = edit(text)
    assert changed != text
    with pytest.raises(InvalidInput) as refused:
        await services.import_statement_file(
            io.BytesIO(changed.encode("gbk")), TEST_ACTOR, account_id=account
        )
    assert refused.value.errors[0].field == field, refused.value.errors
    assert await Entry.count() == 0 and await StatementImport.count() == 0


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("这是一封信\n各位好，\n".encode("gbk"), "no known statement layout"),
        ("日期,付款人,附言\n2026-11-28,张三,捐款\n".encode(), "no amount column"),
        (b"\xfd\xfe\xff,\xff\n\x81\xff", "neither UTF-8 nor GBK"),
        (  # UTF-8 for the first 100 kB, then a line saved as GBK: named by its number
            "日期,金额,付款人\n".encode()
            + "2026-11-28,1.00,张三\n".encode() * 5000
            + "2026-11-28,5.00,张三\n".encode("gbk"),
            "'line 5002'",
        ),
        (b"<html><body><table>", "web page"),
    ],
)
async def test_a_file_that_is_not_a_statement_gets_a_clear_error(clean_db, content, words):
    account = await _account()
    with pytest.raises(InvalidInput) as refused:
        await services.import_statement_file(io.BytesIO(content), TEST_ACTOR, account_id=account)
    assert words in str([refused.value.detail, refused.value.errors])
    assert await Entry.count() == 0


async def test_an_unknown_layout_is_mapped_once_and_the_mapping_reused(clean_db):
    await _world()
    account = await _account()
    text = (
        "农商银行对账单\n"
        "入账日,时刻,进账,出账,汇款人,汇款账号,说明,凭证号\n"
        '2026/11/28,09:31,"1,000.00",,孙八,6222,捐款,V1\n'
        "2026/11/28,09:40,,15.00,银行,,手续费,V2\n"
    )
    with pytest.raises(UnknownLayout) as unknown:
        await services.import_statement_file(
            io.BytesIO(text.encode("gbk")), TEST_ACTOR, account_id=None
        )
    assert unknown.value.preview[1][0] == "入账日"
    columns = {
        "date": "入账日",
        "time": "时刻",
        "credit": "进账",
        "debit": "出账",
        "payer": "汇款人",
        "payer_account": "汇款账号",
        "remark": ["说明"],
        "txn_id": "凭证号",
    }
    await services.save_mapping(account, "农商行", columns, TEST_ACTOR)
    first = await services.import_statement_file(
        io.BytesIO(text.encode("gbk")), TEST_ACTOR, account_id=account, mapping="农商行"
    )
    assert (first.new_credits, first.new_debits, first.proposed) == (1, 1, 1)
    # next time the account's saved mapping is found without naming it
    more = text + "2026/11/29,10:00,500.00,,周九,6228,捐款,V3\n"
    second = await services.import_statement_file(
        io.BytesIO(more.encode("gbk")), TEST_ACTOR, account_id=account
    )
    assert (second.layout, second.new_credits, second.known) == ("mapping:农商行", 1, 2)
    with pytest.raises(InvalidInput) as bad:
        await services.save_mapping(account, "x", {"date": "入账日"}, TEST_ACTOR)
    assert bad.value.errors[0].field == "credit"


async def test_concurrent_imports_and_confirmations_apply_each_line_once(clean_db):
    import asyncio

    _event, _project, sun, _zhou = await _world()
    account = await _account()
    data = (FIXTURES / "icbc.csv").read_bytes()
    first, second = await asyncio.gather(
        *(
            services.import_statement_file(io.BytesIO(data), TEST_ACTOR, account_id=account)
            for _ in range(2)
        )
    )
    assert first.new_credits + second.new_credits == 3
    assert first.new_debits + second.new_debits == 1
    assert await Entry.count() == 4

    line = await Entry.select().where(Entry.proposed_pledge == sun).first()
    results = await asyncio.gather(
        *(services.confirm_entry(line["id"], sun, TEST_ACTOR) for _ in range(3)),
        services.confirm_certain(TEST_ACTOR),
        return_exceptions=True,
    )
    payments = [r for r in results[:3] if isinstance(r, uuid.UUID)]
    refused = [r for r in results[:3] if isinstance(r, Exception)]
    assert len(refused) + len(payments) == 3 and all("already" in str(e) for e in refused)
    assert await Payment.count().where(Payment.pledge == sun) == 1
    assert await Payment.count() == 2  # 孙八's once, 周九's by the bulk confirmation
    await _ledger_ok()


async def test_the_demo_has_a_bank_statement_waiting_for_the_treasurer(clean_db):
    from service.demo.loader import load_demo

    await load_demo()
    queue = await services.queue()
    assert [r["payer"] for r in queue["unmatched"]] == ["陈阿姨"]
    assert [r["remark"] for r in queue["debits"]] == ["手续费 收费"]
    assert len(queue["proposed"]) == 2 and all(r["certain"] for r in queue["proposed"])
    assert "截断" in queue["proposed"][0]["proposal_reason"]
    outcome = await services.confirm_certain(TEST_ACTOR)
    assert outcome.applied == 2 and not outcome.failed
    await _ledger_ok()
