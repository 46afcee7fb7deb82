"""Headless Chromium: an owner proposes a project, an organizer sends it back, the owner
fixes and resubmits, the organizer approves and publishes it, and the public sees it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.events.tables import Event
from service.projects.tables import Project
from tests import factories, staff
from tests.browser import app_server, launch


@pytest.fixture
def server(clean_db, tmp_path: Path) -> Iterator[str]:
    """The app in its own process, on the session's test database."""
    with app_server(MINSHENG_DATA_DIR=str(tmp_path)) as base:
        yield base


async def _login(browser, base: str, username: str):
    context = await browser.new_context(locale="zh-CN")
    page = await context.new_page()
    await page.goto(f"{base}/login?next=/console/projects")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", staff.PASSWORD)
    await page.click("form.form button[type=submit]")
    await page.wait_for_url(f"{base}/console/projects")
    return context, page


async def test_propose_review_publish(server):
    from playwright.async_api import async_playwright

    owner_org = await factories.organization("social_org", "乐龄社工服务中心")
    community = await factories.organization("community", "徐家埠社区")
    await factories.event(number=6, status=Event.Status.review)
    await staff.make("project_owner", owner_org, username="owner")
    await staff.make("organizer", username="organizer")

    async with async_playwright() as p:
        browser = await launch(p)
        try:
            # The owner drafts and submits.
            context, page = await _login(browser, server, "owner")
            await page.click("#new-project")
            await page.fill("input[name=title]", "老旧小区楼道扶手")
            await page.fill("textarea[name=summary]", "为高龄老人加装楼道扶手")
            await page.select_option("select[name=community_id]", str(community))
            await page.select_option("select[name=category]", "accessibility")
            await page.select_option("select[name=event]", "6")
            items = page.locator("input[name=budget_item]")
            amounts = page.locator("input[name=budget_amount]")
            await items.nth(0).fill("不锈钢扶手")
            await amounts.nth(0).fill("12000")
            await items.nth(1).fill("安装施工")
            await amounts.nth(1).fill("3456.78")
            await page.click("form.pj-form button[type=submit]")
            await page.wait_for_selector("#project-status[data-status=draft]")
            assert "¥15,456.78" in await page.inner_text("#project-target")
            await page.click("form[data-action=submit] button")
            await page.wait_for_selector("#project-status[data-status=submitted]")
            project_url = page.url
            await context.close()

            # The organizer sends it back with a reason.
            context, page = await _login(browser, server, "organizer")
            await page.click("#review-queue a:has-text('老旧小区楼道扶手')")
            await page.fill("form[data-action=request_changes] textarea[name=reason]", "请写明楼栋")
            await page.click("form[data-action=request_changes] button")
            await page.wait_for_selector("#project-status[data-status=changes_requested]")
            await context.close()

            # The owner sees the reason, edits, resubmits.
            context, page = await _login(browser, server, "owner")
            await page.goto(project_url)
            assert "请写明楼栋" in await page.inner_text(".pj-review-note")
            await page.click("#edit-project")
            await page.fill("textarea[name=timeline]", "1-12栋，2027年3月完成")
            await page.click("form.pj-form button[type=submit]")
            await page.click("form[data-action=submit] button")
            await page.wait_for_selector("#project-status[data-status=submitted]")
            await context.close()

            # The organizer approves and publishes into edition 6.
            context, page = await _login(browser, server, "organizer")
            await page.goto(project_url)
            await page.click("form[data-action=approve] button")
            await page.wait_for_selector("#project-status[data-status=approved]")
            await page.select_option("form[data-action=publish] select[name=event]", "6")
            await page.click("form[data-action=publish] button")
            await page.wait_for_selector("#project-status[data-status=published]")
            trail = await page.inner_text("#audit-trail")
            assert "请写明楼栋" in trail
            await context.close()

            # The public sees it in the portfolio, in English too.
            context = await browser.new_context(locale="en-US")
            page = await context.new_page()
            await page.goto(f"{server}/events/6")
            card = page.locator(".card", has_text="老旧小区楼道扶手")
            await card.locator("a").click()
            assert "Budget" in await page.inner_text("body")
            assert "¥15,456.78" in await page.inner_text("table.budget")
            await context.close()
        finally:
            await browser.close()

    row = await Project.select(Project.status, Project.target_fen).first()
    assert row == {"status": "published", "target_fen": 1_545_678}
