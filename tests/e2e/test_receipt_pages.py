"""In Chromium: the public verification page a receipt's QR code opens, and the funding
dashboard's chart for a logged-in auditor."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import async_playwright

from service.auth.services import UserDraft, create_user
from service.auth.tables import StaffUser
from service.receipts.tables import Receipt
from service.tracking.services import take_snapshots
from tasks import outbox
from tests import factories
from tests.browser import app_server, launch

PASSWORD = "a long password 1"


@pytest.fixture
def server(clean_db):
    with app_server() as base:
        yield base


async def test_verification_page_and_dashboard_in_chromium(server, tmp_path):
    event = await factories.event(number=5)
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    pledge = await factories.pledge(5, project, 600_000)
    await take_snapshots(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    await factories.bank_payment(pledge, 600_000)
    await take_snapshots(dt.datetime.now(dt.UTC))
    await outbox.relay_once()
    receipt = await Receipt.select().first()
    await create_user(UserDraft("audi", PASSWORD, StaffUser.Role.auditor))

    async with async_playwright() as p:
        browser = await launch(p)
        try:
            page = await browser.new_page(locale="zh-CN")
            await page.goto(
                f"{server}/receipts/verify?number=5-000001&code={receipt['verification_code']}"
            )
            assert "有效" in await page.locator(".rc-result").inner_text()
            assert "¥6,000.00" in await page.locator(".rc-facts").inner_text()
            await page.screenshot(path=str(tmp_path / "verify.png"))
            await page.fill("input[name=code]", "WRONGCODE")
            await page.click("button[type=submit]")
            assert "未找到" in await page.locator(".rc-result").inner_text()

            await page.goto(f"{server}/login?next=/console/dashboard")
            await page.fill("input[name=username]", "audi")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url(f"{server}/console/dashboard")
            chart = page.locator(".td-chart svg polyline")
            assert await chart.count() == 1
            box = await page.locator(".td-chart svg").bounding_box()
            assert box is not None and box["width"] > 300
            assert "60%" in await page.locator(".td-table").inner_text()
            await page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        finally:
            await browser.close()
