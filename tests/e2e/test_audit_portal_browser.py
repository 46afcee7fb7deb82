"""An auditor in Chromium: logs in, reads the trial balance and a project statement, and
downloads a CSV export whose SHA-256 matches its manifest."""

import hashlib
from pathlib import Path

import pytest

from tests.browser import app_server, launch
from tests.ledger_world import build_world, truncate_all


@pytest.fixture
async def server(database):
    world = await build_world()
    try:
        with app_server() as base:
            yield base, world
    finally:
        await truncate_all()


async def test_auditor_reads_and_exports_in_a_browser(server):
    from playwright.async_api import async_playwright

    base, world = server
    async with async_playwright() as p:
        browser = await launch(p)
        try:
            page = await browser.new_page(accept_downloads=True)
            await page.goto(f"{base}/audit")
            assert "/login" in page.url
            await page.fill("input[name=username]", "w-aud")
            await page.fill("input[name=password]", "a long password 3")
            await page.click("form.form button[type=submit], form.form input[type=submit]")
            await page.wait_for_url(f"{base}/audit")
            await page.click(f"a[href='/audit/events/{world.event_number}']")
            await page.click(f"a[href='/audit/events/{world.event_number}/trial-balance']")
            debits = await page.text_content("#trial-debits")
            credits = await page.text_content("#trial-credits")
            assert debits == credits and debits != "¥0.00"
            await page.goto(f"{base}/audit/projects/{world.projects[0]}")
            assert await page.locator("svg.audit-chart").count() == 1
            async with page.expect_download() as info:
                await page.click("a[href*='kind=journal&format=csv']")
            download = await info.value
            body = Path(await download.path()).read_bytes()  # noqa: ASYNC240
            assert body.startswith("\ufeff".encode())
            # The export's manifest is in the portal, with the file's SHA-256.
            await page.goto(f"{base}/audit")
            assert hashlib.sha256(body).hexdigest() in await page.content()
        finally:
            await browser.close()
