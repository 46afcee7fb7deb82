"""Headless Chromium: a project owner requests a disbursement with evidence (a public
invoice and an internal contract), a second organizer approves it, the payout is recorded,
the owner reports progress, and the public project page and the donor's own link show
where the money went."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.disbursements.tables import Disbursement
from service.donors.links import current_token
from service.ledger.balances import project_fund_figures
from service.pledges.tables import Pledge
from service.projects.tables import Project
from tests import evidence_files, factories, staff
from tests.browser import app_server, launch


@pytest.fixture
def server(clean_db, tmp_path: Path) -> Iterator[str]:
    from service.settings import get_settings

    # The same key as this process, so the donor link made here opens there.
    with app_server(MINSHENG_DATA_DIR=str(tmp_path), SECRET_KEY=get_settings().secret_key) as base:
        yield base


async def _login(browser, base: str, username: str):
    context = await browser.new_context(locale="zh-CN")
    page = await context.new_page()
    await page.goto(f"{base}/login?next=/console")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", staff.PASSWORD)
    await page.click("form.form button[type=submit]")
    await page.wait_for_url(f"{base}/console")
    return context, page


async def test_request_approve_pay_and_see_it(server, tmp_path):
    from playwright.async_api import async_playwright

    event = await factories.event(number=5)
    project = await factories.project(event.id, budget_fen=(1_200_000, 300_000))
    await Project.update({Project.title: "社区卫生服务站"}).where(Project.id == project)
    pledge = await factories.pledge(event.number, project, 800_000)
    await factories.bank_payment(pledge, 800_000)
    await Project.update({Project.status: "in_progress"}).where(Project.id == project)
    owner_org = (await Project.select(Project.owner_org).where(Project.id == project).first())[
        "owner_org"
    ]
    await staff.make("project_owner", owner_org, username="owner")
    await staff.make("organizer", username="organizer1")
    await staff.make("organizer", username="organizer2")
    donor = (await Pledge.select(Pledge.donor).where(Pledge.id == pledge).first())["donor"]
    donor_link = f"{server}/donor/{await current_token(donor)}"
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(evidence_files.pdf("发票"))
    contract = tmp_path / "contract.png"
    contract.write_bytes(evidence_files.png())
    photo = tmp_path / "opening.png"
    photo.write_bytes(evidence_files.png(4, 3))

    async with async_playwright() as p:
        browser = await launch(p)
        try:
            # The owner asks for ¥5,000.00 against the first budget line, with evidence.
            context, page = await _login(browser, server, "owner")
            await page.goto(f"{server}/console/projects/{project}")
            await page.click("#request-disbursement")
            await page.select_option("select[name=budget_line_id]", index=1)
            await page.fill("input[name=amount]", "9000000")  # more than the balance
            await page.fill("input[name=payee]", "杭州康宁医疗设备有限公司")
            await page.fill("textarea[name=purpose]", "诊疗设备首付款")
            await page.set_input_files("input[name=evidence_0]", str(invoice))
            await page.check("input[name=evidence_public_0]")
            await page.set_input_files("input[name=evidence_1]", str(contract))
            await page.select_option("select[name=evidence_kind_1]", "contract")
            await page.click("#disbursement-form button[type=submit]")
            assert "可用余额" in await page.inner_text("#error-amount")
            assert await Disbursement.count() == 0
            await page.fill("input[name=amount]", "5000")
            await page.set_input_files("input[name=evidence_0]", str(invoice))
            await page.check("input[name=evidence_public_0]")
            await page.set_input_files("input[name=evidence_1]", str(contract))
            await page.click("#disbursement-form button[type=submit]")
            await page.wait_for_selector("#d-status[data-status=requested]")
            detail_url = page.url
            await context.close()

            # A second organizer approves; the first records the payout.
            context, page = await _login(browser, server, "organizer2")
            await page.goto(detail_url)
            await page.fill("form[data-action=approve] textarea[name=reason]", "发票与合同一致")
            await page.click("form[data-action=approve] button")
            await page.wait_for_selector("#d-status[data-status=approved]")
            await context.close()
            context, page = await _login(browser, server, "organizer1")
            await page.goto(detail_url)
            await page.fill("input[name=bank_reference]", "HZB20171215001")
            await page.fill("input[name=paid_on]", "2017-12-15")
            await page.click("form[data-action=pay] button")
            await page.wait_for_selector("#d-status[data-status=paid]")
            assert "HZB20171215001" in await page.inner_text("#d-paid")
            await context.close()

            # The owner reports the opening with a photo.
            context, page = await _login(browser, server, "owner")
            await page.goto(f"{server}/console/projects/{project}/progress/new")
            await page.fill("input[name=report_date]", "2018-01-20")
            await page.select_option("select[name=status]", "milestone")
            await page.fill("input[name=title]", "卫生服务站试运营")
            await page.set_input_files("input[name=photo_0]", str(photo))
            await page.click("#progress-form button[type=submit]")
            await page.wait_for_url(f"{server}/console/projects/{project}")
            await context.close()

            # The public page shows the money out, the public invoice (not the contract)
            # and the timeline.
            context = await browser.new_context(locale="zh-CN")
            page = await context.new_page()
            await page.goto(f"{server}/projects/{project}")
            assert "¥5,000.00" in await page.inner_text(".fu-disbursed")
            assert "¥3,000.00" in await page.inner_text(".fu-balance")
            row = page.locator("#fund-use tr.disbursement")
            assert await row.count() == 1
            assert "杭州康宁医疗设备有限公司" in await row.inner_text()
            links = page.locator("#fund-use a.evidence-link")
            assert await links.count() == 1
            invoice_url = await links.first.get_attribute("href")
            assert await page.locator("#spending-chart svg rect").count() == 4
            assert "卫生服务站试运营" in await page.inner_text("#fund-use .timeline")
            response = await page.request.get(f"{server}{invoice_url}")
            assert response.ok and await response.body() == evidence_files.pdf("发票")

            # The donor's link: where my money went.
            await page.goto(donor_link)
            went = page.locator("#where-money-went")
            text = await went.inner_text()
            assert "社区卫生服务站" in text
            assert "杭州康宁医疗设备有限公司" in text
            assert "卫生服务站试运营" in text
            assert "¥5,000.00" in await went.locator(".fu-disbursed").inner_text()
            await context.close()
        finally:
            await browser.close()

    figures = await project_fund_figures(project)
    assert figures.disbursed == 500_000 and figures.balance == 300_000
