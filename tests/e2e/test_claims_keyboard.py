"""On-stage claims in Chromium, keyboard only: a new donor, then an existing donor
claiming a whole project, each by typing, Tab and Enter."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from service.auth.services import UserDraft, create_user
from service.auth.tables import StaffUser
from service.donors.tables import Donor
from service.events.tables import Event
from service.ledger.balances import project_fund_figures
from service.pledges.tables import Pledge
from tests import factories
from tests.browser import app_server, launch


@pytest.fixture
def server(clean_db):
    with app_server() as base:
        yield base


async def _tab_to(page, element_id: str, limit: int = 15) -> None:
    for _ in range(limit):
        if await page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


async def test_two_claims_by_keyboard_only(server):
    from playwright.async_api import async_playwright

    await create_user(UserDraft("stage", "correct horse battery", StaffUser.Role.organizer))
    event = await factories.event(status=Event.Status.live)
    first = await factories.project(event.id, budget_fen=(200_000,))
    second = await factories.project(event.id, budget_fen=(80_000, 20_000))

    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(locale="zh-CN")
        await page.goto(f"{server}/login?next=/console/claims")
        # autofocus may land after the first keystroke; the login itself is not under test
        await page.fill("input[name=username]", "stage")
        await page.fill("input[name=password]", "correct horse battery")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/console/claims")
        await page.wait_for_selector("#claim-form")
        await page.wait_for_load_state("load")

        # 1. a new donor: name, Tab, project (type-ahead on the select), Tab, amount,
        #    then Tab to the phone field of the new-donor fieldset, Enter.
        assert await page.evaluate("document.activeElement.id") == "donor_query"
        await page.keyboard.type("孙大圣")
        await page.keyboard.press("Tab")
        await page.keyboard.type(str(first))
        await page.keyboard.press("Tab")
        await page.keyboard.type("1200")
        await page.keyboard.press("Tab")  # whole-project checkbox
        await page.keyboard.press("Tab")  # donor kind
        await page.keyboard.press("Tab")  # phone
        await page.keyboard.type("13900001111")
        await page.keyboard.press("Enter")
        await page.wait_for_selector("#claim-done")
        await page.wait_for_load_state("load")
        assert "¥1,200.00" in await page.inner_text("#claim-done")

        # 2. the same donor found by search, claiming the whole second project.
        assert await page.evaluate("document.activeElement.id") == "donor_query"
        await page.keyboard.type("孙大圣 · 13900001111")
        # Not wait_for_function: the page's CSP (no 'unsafe-eval') refuses evaluated strings.
        await expect(page.locator("#donor_id")).not_to_have_value("")
        await page.keyboard.press("Tab")
        await page.keyboard.type(str(second))
        await _tab_to(page, "whole_project")
        await page.keyboard.press("Space")
        await _tab_to(page, "claim-submit")
        await page.keyboard.press("Enter")
        await page.wait_for_selector("#claim-done")
        assert "¥1,000.00" in await page.inner_text("#claim-done")
        await browser.close()

    pledges = await Pledge.select().order_by(Pledge.created_at)
    assert [(p["project"], p["amount_fen"], p["channel"]) for p in pledges] == [
        (first, 120_000, "on_stage"),
        (second, 100_000, "on_stage"),
    ]
    assert pledges[1]["whole_project"] is True
    assert pledges[0]["donor"] == pledges[1]["donor"]
    assert await Donor.count() == 1
    assert (await project_fund_figures(second)).pledged == 100_000
