"""In Chromium: a treasurer uploads a statement in a layout nobody described, maps its
columns once on the preview, confirms the certain match in bulk, records the unmatched
credit as an anonymous gift — and the next file in that layout imports without asking."""

from __future__ import annotations

import pytest
from playwright.async_api import async_playwright

from service.auth.services import UserDraft, create_user
from service.auth.tables import StaffUser
from service.ledger.checks import compare_all_events
from service.ledger.services import verify_chain
from service.payments.tables import Payment
from service.pledges.tables import Pledge
from service.receipts.tables import Receipt
from service.statements.tables import StatementEntry, StatementMapping
from tests import factories
from tests.browser import app_server, launch
from tests.factories import TEST_ACTOR, donor_draft

PASSWORD = "a long password 1"
FIRST = (
    "浙江农商银行 对账单\n"
    "账号：6228 8800 1234 5678\n"
    "入账日,时刻,进账,出账,汇款人,说明,凭证号\n"
    '2026/11/28,09:31,"1,000.00",,孙八,民生实事捐款,V1\n'
    "2026/11/28,09:40,,15.00,农商银行,手续费,V2\n"
    "2026/11/28,10:02,66.00,,路过的人,现场扫码,V3\n"
    "合计,,1066.00,15.00\n"
)
SECOND = FIRST.replace("合计,,1066.00,15.00\n", "2026/11/29,08:00,500.00,,周九,捐款,V4\n")


@pytest.fixture
def server(clean_db):
    with app_server() as base:
        yield base


async def test_map_an_unknown_layout_once_in_chromium(server, tmp_path):
    from service.pledges.services import PledgeDraft, create_pledge

    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(5_000_000,))
    sun = (
        await create_pledge(
            PledgeDraft(event.number, project, donor_draft("孙八"), 100_000), TEST_ACTOR
        )
    ).pledge_id
    await create_user(UserDraft("treasurer", PASSWORD, StaffUser.Role.organizer))
    first = tmp_path / "农商行.csv"
    first.write_bytes(FIRST.encode("gbk"))
    second = tmp_path / "农商行-2.csv"
    second.write_bytes(SECOND.encode("gbk"))

    async with async_playwright() as p:
        browser = await launch(p)
        try:
            page = await browser.new_page(locale="zh-CN")
            await page.goto(f"{server}/login?next=/console/bank-statements")
            await page.fill("input[name=username]", "treasurer")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url(f"{server}/console/bank-statements")

            form = page.locator("#account-form")
            await form.locator("input[name=name]").fill("农商行基本户")
            await form.locator("input[name=number]").fill("6228880012345678")
            await form.locator("button[type=submit]").click()
            await page.wait_for_url("**/console/bank-statements?account=*")

            await page.set_input_files("#upload-form input[name=file]", str(first))
            await page.click("#upload-form button[type=submit]")
            preview = page.locator("#statement-preview")
            await preview.wait_for()
            assert "入账日" in await preview.inner_text()
            mapping = page.locator("#mapping-form")
            await mapping.locator("select[name=account]").select_option(label="农商行基本户")
            await mapping.locator("input[name=mapping_name]").fill("农商行网银")
            for role, column in (
                ("date", "入账日"),
                ("time", "时刻"),
                ("credit", "进账"),
                ("debit", "出账"),
                ("payer", "汇款人"),
                ("txn_id", "凭证号"),
            ):
                await mapping.locator(f"select[name={role}]").select_option(column)
            await mapping.locator("select[name=remark]").select_option(["说明"])
            await page.screenshot(path=str(tmp_path / "mapping.png"), full_page=True)
            await mapping.locator("button[type=submit]").click()
            result = page.locator("#import-result")
            await result.wait_for()
            text = await result.inner_text()
            assert "新增收入 2 行、支出 1 行" in text and "1 条可批量确认" in text

            await page.click("#bulk-form button[type=submit]")
            await page.locator("#bulk-result").wait_for()
            assert "1 行" in await page.locator("#bulk-result").inner_text()
            assert "路过的人" in await page.locator("#statement-unmatched").inner_text()
            gift = page.locator("#statement-unmatched form[action$='/gift']").first
            await gift.locator("button").click()
            await page.wait_for_url(f"{server}/console/bank-statements")
            assert "手续费" in await page.locator("#statement-debits").inner_text()

            # the next file in that layout: the saved mapping is used without asking
            await page.set_input_files("#upload-form input[name=file]", str(second))
            await page.click("#upload-form button[type=submit]")
            await page.locator("#import-result").wait_for()
            again = await page.locator("#import-result").inner_text()
            assert "新增收入 1 行、支出 0 行，已导入过 3 行" in again
            await page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)
        finally:
            await browser.close()

    assert await StatementMapping.count() == 1
    assert (await Pledge.select(Pledge.status).where(Pledge.id == sun).first())["status"] == "paid"
    assert sorted(p["amount_fen"] for p in await Payment.select()) == [6_600, 100_000]
    assert await Receipt.count() >= 1  # the anonymous gift's receipt, issued in its step
    assert await StatementEntry.count() == 4
    assert (await verify_chain()).ok and await compare_all_events() == []
