"""Online payments against localstripe with the official SDK: card success, decline,
3-D Secure, authorize-then-capture, partial capture, cancel, expiry, refunds and
reconciliation. Every test checks the ledger and project totals to the fen."""

from __future__ import annotations

import uuid

import pytest

from service.audit.services import Actor
from service.events.tables import Event
from service.ledger.balances import project_fund_figures
from service.ledger.services import verify_chain
from service.ledger.tables import LedgerTransaction
from service.outbox.tables import OutboxMessage
from service.payments import capture, online, reconcile, refunds
from service.payments import stripe_gateway as gateway
from service.payments.tables import Payment, Refund
from service.pledges.tables import Pledge
from tests import factories, stripe_support
from tests.stripe_support import authenticate, card_id, sdk

# Fixtures shared with the other Stripe test modules.
localstripe = stripe_support.localstripe
stripe_on = stripe_support.stripe_on

ORGANIZER = Actor("organizer")
AMOUNT = 10_000


async def _pledge(policy: str = "immediate", amount: int = AMOUNT) -> tuple[uuid.UUID, int]:
    event = await factories.event()
    await Event.update({Event.capture_policy: policy}).where(Event.id == event.id)
    project = await factories.project(event.id)
    return await factories.pledge(event.number, project, amount), project


async def _payment(payment_id: uuid.UUID) -> dict:
    row = await Payment.select().where(Payment.id == payment_id).first()
    assert row is not None
    return row


async def _pledge_status(pledge_id: uuid.UUID) -> str:
    row = await Pledge.select(Pledge.status).where(Pledge.id == pledge_id).first()
    return row["status"]


async def _postings(kind: str) -> int:
    return await LedgerTransaction.count().where(LedgerTransaction.kind == kind)


async def _figures(project: int) -> dict[str, int]:
    return (await project_fund_figures(project)).as_dict()


async def test_card_success_settles_once(stripe_on):
    pledge, project = await _pledge()
    started = await online.start_payment(pledge, "card", "pm_card_visa")
    assert started.status == "succeeded"
    payment = await _payment(started.payment_id)
    assert payment["amount_fen"] == AMOUNT and payment["provider_reference"].startswith("pi_")
    assert payment["settled_at"] is not None
    figures = await _figures(project)
    assert figures["received"] == AMOUNT and figures["outstanding"] == 0
    assert figures["balance"] == AMOUNT
    assert await _pledge_status(pledge) == "paid"
    # Settling again (a replayed webhook, the reconciliation job) changes nothing.
    assert await online.sync_payment(started.payment_id) == "succeeded"
    assert await online.sync_payment(started.payment_id) == "succeeded"
    assert await _postings("payment_received") == 1
    assert await OutboxMessage.count().where(OutboxMessage.topic == "payment.settled") == 1
    assert (await _figures(project))["received"] == AMOUNT
    assert (await verify_chain()).ok
    assert await reconcile.report() == []


async def test_declined_card_fails_and_posts_nothing(stripe_on):
    pledge, project = await _pledge()
    started = await online.start_payment(pledge, "card", "pm_card_chargeCustomerFail")
    assert started.status == "failed"
    assert "declined" in started.failure
    payment = await _payment(started.payment_id)
    assert payment["status"] == "failed" and payment["failure_reason"]
    figures = await _figures(project)
    assert figures["received"] == 0 and figures["outstanding"] == AMOUNT
    assert await _pledge_status(pledge) == "pledged"
    assert await _postings("payment_received") == 0
    # The donor can try again with another card.
    again = await online.start_payment(pledge, "card", "pm_card_visa")
    assert again.status == "succeeded"
    assert (await _figures(project))["received"] == AMOUNT


async def test_three_d_secure_success_and_failure(stripe_on):
    pledge, project = await _pledge()
    card = card_id(stripe_on, "4000002500003155")
    started = await online.start_payment(pledge, "card", card)
    assert started.status == "pending" and started.requires_action
    assert (await _figures(project))["received"] == 0
    intent = (await _payment(started.payment_id))["provider_reference"]
    authenticate(stripe_on, intent, started.client_secret, success=False)
    assert await online.sync_payment(started.payment_id) == "failed"
    assert (await _figures(project))["received"] == 0

    second = await online.start_payment(pledge, "card", card_id(stripe_on, "4000002500003155"))
    intent = (await _payment(second.payment_id))["provider_reference"]
    authenticate(stripe_on, intent, second.client_secret, success=True)
    assert await online.sync_payment(second.payment_id) == "succeeded"
    figures = await _figures(project)
    assert figures["received"] == AMOUNT and figures["outstanding"] == 0
    assert await _pledge_status(pledge) == "paid"


async def test_authorize_now_capture_when_the_event_closes(stripe_on):
    pledge, project = await _pledge("deferred")
    event_id = (await Pledge.select(Pledge.event).where(Pledge.id == pledge).first())["event"]
    started = await online.start_payment(pledge, "card", "pm_card_visa")
    assert started.status == "requires_capture"
    assert (await _figures(project))["received"] == 0
    assert await online.outstanding_fen(pledge) == 0  # held, so no second attempt
    with pytest.raises(Exception, match="nothing is outstanding"):
        await online.start_payment(pledge, "card", "pm_card_visa")
    summary = await reconcile.settle_open_payments()
    assert summary.captured == 0  # the event is still open
    await Event.update({Event.status: "closed"}).where(Event.id == event_id)
    summary = await reconcile.settle_open_payments()
    assert summary.captured == 1
    assert (await _payment(started.payment_id))["status"] == "succeeded"
    figures = await _figures(project)
    assert figures["received"] == AMOUNT and figures["outstanding"] == 0
    assert await _pledge_status(pledge) == "paid"
    # Nothing is captured twice.
    assert (await reconcile.settle_open_payments()).captured == 0
    with pytest.raises(Exception, match="not authorized"):
        await capture.capture_payment(started.payment_id, ORGANIZER)
    assert await _postings("payment_received") == 1


async def test_partial_capture_releases_the_rest(stripe_on):
    pledge, project = await _pledge("deferred")
    started = await online.start_payment(pledge, "card", "pm_card_visa")
    assert await capture.capture_payment(started.payment_id, ORGANIZER, 6_000) == "succeeded"
    payment = await _payment(started.payment_id)
    assert payment["amount_fen"] == 6_000
    figures = await _figures(project)
    assert figures["received"] == 6_000 and figures["outstanding"] == 4_000
    assert figures["refunded"] == 0  # the released remainder is no refund
    assert await _pledge_status(pledge) == "partially_paid"
    assert await Refund.count() == 0
    assert await reconcile.report() == []


async def test_cancel_an_authorization(stripe_on):
    pledge, project = await _pledge("deferred")
    started = await online.start_payment(pledge, "card", "pm_card_visa")
    assert await capture.cancel_payment(started.payment_id, ORGANIZER) == "canceled"
    figures = await _figures(project)
    assert figures["received"] == 0 and figures["outstanding"] == AMOUNT
    assert await _pledge_status(pledge) == "pledged"
    assert await OutboxMessage.count().where(OutboxMessage.topic == "mail.send") == 0
    with pytest.raises(Exception, match="canceled"):
        await capture.capture_payment(started.payment_id, ORGANIZER)


async def test_expired_authorization_makes_the_pledge_due_and_tells_the_donor(stripe_on):
    pledge, project = await _pledge("deferred")
    started = await online.start_payment(pledge, "card", "pm_card_visa")
    intent = (await _payment(started.payment_id))["provider_reference"]
    sdk(stripe_on).v1.payment_intents.cancel(intent)  # Stripe lets the authorization lapse
    summary = await reconcile.settle_open_payments()
    assert summary.changed == {str(started.payment_id): "canceled"}
    assert await _pledge_status(pledge) == "pledged"
    assert await online.outstanding_fen(pledge) == AMOUNT
    mails = (
        await OutboxMessage.select()
        .where(OutboxMessage.topic == "mail.send")
        .output(load_json=True)
    )
    assert len(mails) == 1
    assert f"/pledges/{pledge}/pay" in mails[0]["payload"]["text"]
    assert (await _figures(project))["received"] == 0
    again = await online.start_payment(pledge, "card", "pm_card_visa")
    assert again.status == "requires_capture"


async def test_refunds_partial_then_full(stripe_on):
    pledge, project = await _pledge()
    started = await online.start_payment(pledge, "card", "pm_card_visa")
    first = await refunds.refund_payment(started.payment_id, 3_000, "捐赠人重复支付", ORGANIZER)
    row = await Refund.select().where(Refund.id == first).first()
    assert row["status"] == "succeeded" and row["provider_reference"].startswith("re_")
    figures = await _figures(project)
    assert figures["received"] == AMOUNT and figures["refunded"] == 3_000
    assert figures["balance"] == 7_000
    assert await _pledge_status(pledge) == "paid"
    with pytest.raises(Exception, match="refund between 1 and 7000"):
        await refunds.refund_payment(started.payment_id, 8_000, "too much", ORGANIZER)
    await refunds.refund_payment(started.payment_id, None, "项目取消", ORGANIZER)
    figures = await _figures(project)
    assert figures["refunded"] == AMOUNT and figures["balance"] == 0
    assert await _pledge_status(pledge) == "cancelled"
    view = await gateway.retrieve_intent((await _payment(started.payment_id))["provider_reference"])
    assert view.refunded_fen == AMOUNT
    assert await reconcile.report() == []
    assert await OutboxMessage.count().where(OutboxMessage.topic == "mail.send") == 2
    # Syncing sees our own refunds in Stripe and books nothing more.
    await online.sync_payment(started.payment_id)
    assert await _postings("refund") == 2
    assert (await verify_chain()).ok


async def test_dashboard_refund_is_reported_then_booked(stripe_on):
    pledge, project = await _pledge()
    started = await online.start_payment(pledge, "card", "pm_card_visa")
    intent = (await _payment(started.payment_id))["provider_reference"]
    sdk(stripe_on).v1.refunds.create(params={"payment_intent": intent, "amount": 2_500})
    differences = await reconcile.report()
    assert {d.field for d in differences} == {"refunded_fen", "refund"}
    refunded = next(d for d in differences if d.field == "refunded_fen")
    assert (refunded.stripe, refunded.ours, refunded.ledger) == ("2500", "0", "0")
    await online.sync_payment(started.payment_id)
    assert await reconcile.report() == []
    figures = await _figures(project)
    assert figures["refunded"] == 2_500 and figures["balance"] == AMOUNT - 2_500


async def test_reconciliation_settles_a_payment_whose_webhook_never_came(stripe_on):
    pledge, project = await _pledge()
    started = await online.start_payment(pledge, "card", card_id(stripe_on, "4000002500003155"))
    intent = (await _payment(started.payment_id))["provider_reference"]
    # The donor finishes 3-D Secure, closes the tab; no webhook arrives.
    authenticate(stripe_on, intent, started.client_secret)
    assert (await _payment(started.payment_id))["status"] == "pending"
    differences = await reconcile.report()
    assert [d.field for d in differences][:2] == ["status", "received_fen"]
    summary = await reconcile.settle_open_payments()
    assert summary.checked == 1
    assert summary.changed == {str(started.payment_id): "succeeded"}
    assert (await _figures(project))["received"] == AMOUNT
    assert await _pledge_status(pledge) == "paid"
    assert await reconcile.report() == []


async def test_project_reaching_its_target_captures_deferred_payments(stripe_on):
    event = await factories.event()
    await Event.update({Event.capture_policy: "deferred"}).where(Event.id == event.id)
    project = await factories.project(event.id, budget_fen=(20_000,))
    first = await factories.pledge(event.number, project, 12_000)
    second = await factories.pledge(event.number, project, 8_000)
    a = await online.start_payment(first, "card", "pm_card_visa")
    assert (await reconcile.settle_open_payments()).captured == 0  # 12000 of 20000 held
    b = await online.start_payment(second, "card", "pm_card_visa")
    assert (await reconcile.settle_open_payments()).captured == 2
    for started in (a, b):
        assert (await _payment(started.payment_id))["status"] == "succeeded"
    figures = await _figures(project)
    assert figures["received"] == 20_000 and figures["outstanding"] == 0


async def test_online_payment_refused_when_stripe_is_off(clean_db):
    pledge, _project = await _pledge()
    with pytest.raises(Exception, match="not available"):
        await online.start_payment(pledge, "card", "pm_card_visa")
    assert await Payment.count() == 0


async def test_bank_transfer_racing_a_card_payment_flags_the_overpayment(stripe_on):
    pledge, project = await _pledge()
    started = await online.start_payment(pledge, "card", card_id(stripe_on, "4000002500003155"))
    await factories.bank_payment(pledge, AMOUNT)  # the donor also wires the money
    assert await _pledge_status(pledge) == "paid"
    intent = (await _payment(started.payment_id))["provider_reference"]
    authenticate(stripe_on, intent, started.client_secret)
    assert await online.sync_payment(started.payment_id) == "succeeded"
    payment = await _payment(started.payment_id)
    assert payment["flagged"] is True  # an organizer refunds the excess
    assert await _pledge_status(pledge) == "paid"
    figures = await _figures(project)
    assert figures["received"] == 2 * AMOUNT and figures["outstanding"] == -AMOUNT
    await refunds.refund_payment(started.payment_id, None, "重复支付，退回", ORGANIZER)
    figures = await _figures(project)
    assert figures["refunded"] == AMOUNT and figures["balance"] == AMOUNT


async def test_report_names_an_intent_we_do_not_know(stripe_on):
    stray = uuid.uuid4()
    sdk(stripe_on).v1.payment_intents.create(
        params={
            "amount": 700,
            "currency": "cny",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": {"payment_id": str(stray)},
        }
    )
    sdk(stripe_on).v1.payment_intents.create(params={"amount": 500, "currency": "cny"})
    differences = await reconcile.report()
    assert [(d.payment_id, d.field, d.stripe) for d in differences] == [
        (str(stray), "payment", "succeeded 700")
    ]


async def test_orphaned_and_abandoned_attempts_are_cleaned_up(stripe_on):
    import datetime as dt

    pledge, project = await _pledge()
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    # Our create call reached Stripe (and charged the card) but the answer was lost.
    orphan, lost = uuid.uuid4(), uuid.uuid4()
    for payment_id, amount in ((orphan, 6_000), (lost, 4_000)):
        await Payment.insert(
            Payment(
                id=payment_id,
                pledge=pledge,
                provider="stripe",
                amount_fen=amount,
                status="pending",
                method="card",
                created_at=long_ago,
            )
        )
    sdk(stripe_on).v1.payment_intents.create(
        params={
            "amount": 6_000,
            "currency": "cny",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": {"payment_id": str(orphan), "pledge_id": str(pledge)},
        }
    )
    # A Payment Element attempt the donor walked away from.
    abandoned = await online.start_payment(pledge, "card")
    assert abandoned.status == "pending" and abandoned.client_secret
    await Payment.update({Payment.created_at: long_ago}).where(Payment.id == abandoned.payment_id)
    summary = await reconcile.settle_open_payments()
    assert summary.changed == {
        str(orphan): "succeeded",
        str(lost): "failed",
        str(abandoned.payment_id): "canceled",
    }
    assert (await _payment(orphan))["provider_reference"].startswith("pi_")
    figures = await _figures(project)
    assert figures["received"] == 6_000 and figures["outstanding"] == 4_000
    assert await _pledge_status(pledge) == "partially_paid"
    assert await reconcile.report() == []
