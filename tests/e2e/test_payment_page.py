"""A donor pays pledges on /pledges/{id}/pay in headless Chromium: the page loads
(localstripe's) Stripe.js, the card is tokenized in the browser, 3-D Secure is
completed in Stripe.js's dialog, and localstripe's signed webhook reaches the app."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from service.ledger.balances import project_fund_figures
from service.ledger.tables import LedgerTransaction
from service.payments.tables import Payment, WebhookEvent
from service.pledges.tables import Pledge
from tests import factories, stripe_support
from tests.browser import app_server, launch
from tests.stripe_support import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET

localstripe = stripe_support.localstripe
stripe_on = stripe_support.stripe_on


@pytest.fixture
def web_app(stripe_on: str) -> Iterator[str]:
    """The application in its own process, Stripe pointed at localstripe, and
    localstripe's webhooks pointed at it."""
    with app_server(
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_PUBLISHABLE_KEY=PUBLISHABLE_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_on,
        STRIPE_JS_URL=f"{stripe_on}/js.stripe.com/v3/",
        STRIPE_PAYMENT_METHODS="card,alipay",
    ) as base:
        httpx.post(
            f"{stripe_on}/_config/webhooks/minsheng",
            data={"url": f"{base}/api/v1/webhooks/stripe", "secret": WEBHOOK_SECRET},
            timeout=30,
        ).raise_for_status()
        yield base


async def _pay(page, base: str, pledge, number: str, three_d_secure: bool = False) -> str:
    await page.goto(f"{base}/pledges/{pledge}/pay")
    for field, value in (
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "30"),
        ("cvc", "123"),
        ("postal_code", "31000"),
    ):
        await page.fill(f'#pay-element input[placeholder="{field}"]', value)
    await page.click("#pay-button")
    if three_d_secure:
        await page.get_by_role("button", name="Complete authentication").click()
    status = page.locator("#pay-status[data-status]")
    await status.wait_for(timeout=20_000)
    return await status.get_attribute("data-status")


async def _wait_for_webhooks(count: int) -> None:
    for _ in range(100):  # localstripe delivers about a second after the event
        if await WebhookEvent.count() >= count:
            return
        await asyncio.sleep(0.2)


async def test_donor_pays_on_the_payment_page(web_app):
    from playwright.async_api import async_playwright

    event = await factories.event()
    project = await factories.project(event.id)
    plain = await factories.pledge(event.number, project, 8_800)
    secure = await factories.pledge(event.number, project, 6_600)
    async with async_playwright() as p:
        browser = await launch(p)
        try:
            page = await browser.new_page(locale="zh-CN")
            assert await _pay(page, web_app, plain, "4242424242424242") == "succeeded"
            assert "支付成功" in await page.locator("#pay-status").inner_text()
            assert await _pay(page, web_app, secure, "4000002500003155", True) == "succeeded"
            await page.goto(f"{web_app}/pledges/{plain}/pay")
            assert "没有待支付的金额" in await page.content()
        finally:
            await browser.close()
    payments = await Payment.select().order_by(Payment.amount_fen)
    assert [(p["amount_fen"], p["status"], p["method"]) for p in payments] == [
        (6_600, "succeeded", "card"),
        (8_800, "succeeded", "card"),
    ]
    statuses = await Pledge.select(Pledge.status).where(Pledge.id.is_in([plain, secure]))
    assert {row["status"] for row in statuses} == {"paid"}
    figures = await project_fund_figures(project)
    assert figures.received == 15_400 and figures.outstanding == 0
    # localstripe's own signed webhooks arrive too; they settle nothing twice.
    await _wait_for_webhooks(2)
    events = await WebhookEvent.select().order_by(WebhookEvent.id)
    assert [(e["type"], e["outcome"]) for e in events] == [
        ("payment_intent.succeeded", "succeeded"),
        ("payment_intent.succeeded", "succeeded"),
    ]
    assert await LedgerTransaction.count().where(LedgerTransaction.kind == "payment_received") == 2
    assert (await project_fund_figures(project)).received == 15_400
