"""The payment page, the console's payment detail and refund form, and the payments API
behind the named guards."""

from __future__ import annotations

import re
import uuid

from service.auth.services import UserDraft, create_user, issue_token
from service.auth.tables import StaffUser
from service.events.tables import Event
from service.ledger.balances import project_fund_figures
from service.payments import online
from service.payments.tables import Payment, Refund
from tests import factories, stripe_support

localstripe = stripe_support.localstripe
stripe_on = stripe_support.stripe_on

PASSWORD = "correct horse battery"
HTML = {"accept": "text/html"}


async def _paid(policy: str = "immediate") -> tuple[uuid.UUID, uuid.UUID, int]:
    ev = await factories.event()
    await Event.update({Event.capture_policy: policy}).where(Event.id == ev.id)
    project = await factories.project(ev.id)
    pledge = await factories.pledge(ev.number, project, 10_000)
    started = await online.start_payment(pledge, "card", "pm_card_visa")
    return pledge, started.payment_id, project


async def _bearer(role: StaffUser.Role) -> dict[str, str]:
    user = await create_user(UserDraft(f"u{uuid.uuid4().hex[:8]}", PASSWORD, role))
    return {"authorization": f"Bearer {await issue_token(user, 'test')}"}


async def test_pay_page_offers_stripe_js(client, stripe_on):
    ev = await factories.event()
    project = await factories.project(ev.id)
    pledge = await factories.pledge(ev.number, project, 12_345)
    page = await client.get(f"/pledges/{pledge}/pay", headers=HTML)
    assert page.status_code == 200
    assert f'src="{stripe_on}/js.stripe.com/v3/"' in page.text
    assert 'data-methods="card,alipay"' in page.text
    assert "¥123.45" in page.text
    assert (await client.get(f"/pledges/{uuid.uuid4()}/pay", headers=HTML)).status_code == 404


async def test_pay_page_without_stripe_points_to_bank_transfer(client):
    ev = await factories.event()
    pledge = await factories.pledge(ev.number, None, 5_000)
    page = await client.get(f"/pledges/{pledge}/pay", headers=HTML)
    assert page.status_code == 200
    assert "在线支付暂未开通" in page.text and "js.stripe.com" not in page.text


async def test_start_payment_api(client, stripe_on):
    ev = await factories.event()
    project = await factories.project(ev.id)
    pledge = await factories.pledge(ev.number, project, 10_000)
    url = f"/api/v1/pledges/{pledge}/payments"
    bad = await client.post(url, json={"method": "wechat_pay", "payment_method": "pm_card_visa"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "method"
    made = await client.post(url, json={"method": "card", "payment_method": "pm_card_visa"})
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "succeeded"
    again = await client.post(url, json={"method": "card", "payment_method": "pm_card_visa"})
    assert again.status_code == 422
    synced = await client.post(f"/api/v1/payments/{made.json()['payment_id']}/sync")
    assert synced.json() == {"payment_id": made.json()["payment_id"], "status": "succeeded"}
    assert (await project_fund_figures(project)).received == 10_000


async def test_refund_api_needs_an_organizer(client, stripe_on):
    _pledge, payment_id, project = await _paid()
    url = f"/api/v1/payments/{payment_id}/refunds"
    body = {"amount_fen": 1_000, "reason": "重复支付"}
    assert (await client.post(url, json=body)).status_code == 401
    auditor = await _bearer(StaffUser.Role.auditor)
    assert (await client.post(url, json=body, headers=auditor)).status_code == 403
    organizer = await _bearer(StaffUser.Role.organizer)
    no_reason = await client.post(url, json={"amount_fen": 1_000, "reason": " "}, headers=organizer)
    assert no_reason.status_code == 400
    made = await client.post(url, json=body, headers=organizer)
    assert made.status_code == 201 and made.json()["status"] == "succeeded"
    assert (await project_fund_figures(project)).refunded == 1_000
    report = await client.get("/api/v1/payments/reconciliation", headers=auditor)
    assert report.status_code == 200 and report.json() == {"differences": []}


async def test_capture_api_partial(client, stripe_on):
    _pledge, payment_id, project = await _paid("deferred")
    organizer = await _bearer(StaffUser.Role.organizer)
    url = f"/api/v1/payments/{payment_id}/capture"
    too_much = await client.post(url, json={"amount_fen": 10_001}, headers=organizer)
    assert too_much.status_code == 400
    done = await client.post(url, json={"amount_fen": 7_500}, headers=organizer)
    assert done.status_code == 200 and done.json()["status"] == "succeeded"
    figures = await project_fund_figures(project)
    assert figures.received == 7_500 and figures.outstanding == 2_500


async def test_console_detail_and_refund_form(client, stripe_on):
    _pledge, payment_id, project = await _paid()
    await create_user(UserDraft("orga", PASSWORD, StaffUser.Role.organizer))
    login = await client.post("/api/v1/auth/login", json={"username": "orga", "password": PASSWORD})
    assert login.status_code == 201
    detail = await client.get(f"/console/payments/{payment_id}", headers=HTML)
    assert detail.status_code == 200
    assert "¥100.00" in detail.text and f"/console/payments/{payment_id}/refund" in detail.text
    form = await client.get(f"/console/payments/{payment_id}/refund", headers=HTML)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
    posted = await client.post(
        f"/console/payments/{payment_id}/refund",
        data={"amount_yuan": "25.50", "reason": "项目预算调整", "_csrf_token": token},
        headers=HTML,
    )
    assert posted.status_code == 303
    refund = await Refund.select().where(Refund.payment == payment_id).first()
    assert (refund["amount_fen"], refund["reason"]) == (2_550, "项目预算调整")
    figures = await project_fund_figures(project)
    assert figures.refunded == 2_550 and figures.balance == 10_000 - 2_550
    detail = await client.get(f"/console/payments/{payment_id}", headers=HTML)
    assert "项目预算调整" in detail.text and "¥25.50" in detail.text
    report = await client.get("/console/payments/reconciliation", headers=HTML)
    assert report.status_code == 200 and "一致" in report.text
    payment = await Payment.select(Payment.status).where(Payment.id == payment_id).first()
    assert payment["status"] == "succeeded"
