"""POST /api/v1/webhooks/stripe with events signed as Stripe signs them: bad signatures,
replays, out-of-order delivery, unknown types, and Alipay, refund and dispute events in
Stripe's documented shapes (tests/fixtures/stripe). The handler re-reads every object
from Stripe (localstripe, or a stub serving documented shapes for what it lacks)."""

from __future__ import annotations

import uuid

from service.events.tables import Event
from service.ledger.balances import project_fund_figures
from service.ledger.tables import LedgerEntry, LedgerTransaction
from service.outbox.tables import OutboxMessage
from service.payments import online
from service.payments.tables import Payment, Refund, WebhookEvent
from service.pledges.tables import Pledge
from tests import factories, stripe_support
from tests.stripe_support import authenticate, card_id, event, fixture, sdk, sign

localstripe = stripe_support.localstripe
stripe_on = stripe_support.stripe_on
stripe_stub = stripe_support.stripe_stub

URL = "/api/v1/webhooks/stripe"
AMOUNT = 10_000


async def _pledge(amount: int = AMOUNT) -> tuple[uuid.UUID, int]:
    ev = await factories.event()
    project = await factories.project(ev.id)
    return await factories.pledge(ev.number, project, amount), project


async def _send(client, body: bytes, signature: str | None = None):
    headers = {"content-type": "application/json"}
    headers["stripe-signature"] = signature if signature is not None else sign(body)
    return await client.post(URL, content=body, headers=headers)


async def _reference(payment_id: uuid.UUID) -> str:
    row = await Payment.select(Payment.provider_reference).where(Payment.id == payment_id).first()
    return row["provider_reference"]


async def _status(payment_id: uuid.UUID) -> str:
    row = await Payment.select(Payment.status).where(Payment.id == payment_id).first()
    return row["status"]


async def _paid_after_3ds(base: str) -> tuple[uuid.UUID, uuid.UUID, int, str]:
    """A payment the donor completed at Stripe; we have not heard of it yet."""
    pledge, project = await _pledge()
    started = await online.start_payment(pledge, "card", card_id(base, "4000002500003155"))
    intent = await _reference(started.payment_id)
    authenticate(base, intent, started.client_secret)
    assert await _status(started.payment_id) == "pending"
    return pledge, started.payment_id, project, intent


async def test_bad_signature_is_refused_and_nothing_stored(client, stripe_on):
    _pledge_id, payment_id, project, intent = await _paid_after_3ds(stripe_on)
    body = event("event_payment_intent_succeeded.json", "evt_bad_sig", id=intent)
    wrong = await _send(client, body, sign(body, secret="whsec_someone_else"))
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["field"] == "Stripe-Signature"
    missing = await client.post(URL, content=body, headers={"content-type": "application/json"})
    assert missing.status_code == 400
    tampered = await _send(client, body.replace(b"10000", b"99999"), sign(body))
    assert tampered.status_code == 400
    stale = await _send(client, body, sign(body, timestamp=1_600_000_000))
    assert stale.status_code == 400
    assert await WebhookEvent.count() == 0
    assert await _status(payment_id) == "pending"
    assert (await project_fund_figures(project)).received == 0


async def test_replayed_three_times_settles_once(client, stripe_on):
    pledge, _payment_id, project, intent = await _paid_after_3ds(stripe_on)
    body = event("event_payment_intent_succeeded.json", "evt_replay_1", id=intent)
    answers = [await _send(client, body) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["duplicate"] for a in answers] == [False, True, True]
    assert answers[0].json()["outcome"] == "succeeded"
    assert await WebhookEvent.count() == 1
    assert await LedgerTransaction.count().where(LedgerTransaction.kind == "payment_received") == 1
    assert await OutboxMessage.count().where(OutboxMessage.topic == "payment.settled") == 1
    figures = await project_fund_figures(project)
    assert figures.received == AMOUNT and figures.outstanding == 0
    row = await Pledge.select(Pledge.status).where(Pledge.id == pledge).first()
    assert row["status"] == "paid"


async def test_out_of_order_events_end_in_stripes_state(client, stripe_on):
    _pledge_id, payment_id, project, intent = await _paid_after_3ds(stripe_on)
    succeeded = event("event_payment_intent_succeeded.json", "evt_ooo_2", id=intent)
    failed = event("event_payment_intent_payment_failed.json", "evt_ooo_1", id=intent)
    # The late "failed" (about an earlier attempt) arrives after "succeeded"...
    assert (await _send(client, succeeded)).json()["outcome"] == "succeeded"
    assert (await _send(client, failed)).json()["outcome"] == "succeeded"
    assert await _status(payment_id) == "succeeded"
    # ...and a body claiming success for an intent Stripe says is unpaid changes nothing.
    other, other_project = await _pledge()
    pending = await online.start_payment(other, "card", card_id(stripe_on, "4000002500003155"))
    lie = event(
        "event_payment_intent_succeeded.json",
        "evt_ooo_3",
        id=await _reference(pending.payment_id),
    )
    assert (await _send(client, lie)).json()["outcome"] == "pending"
    assert (await project_fund_figures(other_project)).received == 0
    assert (await project_fund_figures(project)).received == AMOUNT


async def test_unknown_type_is_stored_and_ignored(client, stripe_on):
    body = event("event_unknown_type.json", "evt_unknown_1")
    answer = await _send(client, body)
    assert answer.status_code == 200 and answer.json()["outcome"] == "ignored"
    stored = await WebhookEvent.select().first()
    assert stored["type"] == "customer.created" and stored["processed_at"] is not None
    assert await LedgerTransaction.count() == 0


async def test_intent_for_no_payment_of_ours(client, stripe_on):
    intent = sdk(stripe_on).v1.payment_intents.create(
        params={"amount": 500, "currency": "cny", "payment_method": "pm_card_visa", "confirm": True}
    )
    body = event("event_payment_intent_succeeded.json", "evt_foreign", id=intent.id)
    assert (await _send(client, body)).json()["outcome"] == "unknown"
    assert await LedgerTransaction.count() == 0


async def test_dashboard_refund_event(client, stripe_on):
    pledge, project = await _pledge()
    started = await online.start_payment(pledge, "card", "pm_card_visa")
    intent = await _reference(started.payment_id)
    refund = sdk(stripe_on).v1.refunds.create(params={"payment_intent": intent, "amount": 4_000})
    charge = refund.to_dict()["charge"]
    body = event("event_charge_refunded.json", "evt_refund_1", id=charge, payment_intent=intent)
    for _ in range(2):
        assert (await _send(client, body)).status_code == 200
    rows = await Refund.select().where(Refund.payment == started.payment_id)
    assert [(r["amount_fen"], r["status"], r["provider_reference"]) for r in rows] == [
        (4_000, "succeeded", refund.id)
    ]
    figures = await project_fund_figures(project)
    assert figures.received == AMOUNT and figures.refunded == 4_000
    assert figures.balance == AMOUNT - 4_000
    mails = await OutboxMessage.count().where(OutboxMessage.topic == "mail.send")
    assert mails == 1


async def _alipay_payment(stub) -> tuple[uuid.UUID, int]:
    """A pending Alipay payment of ours whose intent Stripe reports as succeeded."""
    pledge, project = await _pledge(20_000)
    intent = fixture("payment_intent_alipay_succeeded.json")
    payment_id = uuid.uuid4()
    intent["metadata"] = {"payment_id": str(payment_id), "pledge_id": str(pledge)}
    stub.add(intent)
    await Payment.insert(
        Payment(
            id=payment_id,
            pledge=pledge,
            provider="stripe",
            amount_fen=20_000,
            status="pending",
            method="alipay",
            provider_reference=intent["id"],
        )
    )
    return payment_id, project


async def test_alipay_succeeded_with_fee(client, stripe_stub):
    payment_id, project = await _alipay_payment(stripe_stub)
    body = event(
        "event_payment_intent_succeeded.json", "evt_alipay_1", id="pi_3AlipaySucceeded0001"
    )
    answer = await _send(client, body)
    assert answer.json()["outcome"] == "succeeded"
    row = await Payment.select().where(Payment.id == payment_id).first()
    assert (row["status"], row["method"], row["fee_fen"]) == ("succeeded", "alipay", 320)
    figures = await project_fund_figures(project)
    assert figures.received == 20_000 and figures.fees == 320
    assert figures.balance == 20_000 - 320
    fee_lines = await LedgerEntry.select(LedgerEntry.amount_fen).where(
        LedgerEntry.transaction.kind == "provider_fee"
    )
    assert sorted(line["amount_fen"] for line in fee_lines) == [-320, 320]
    assert (await _send(client, body)).json()["duplicate"] is True
    assert (await project_fund_figures(project)).fees == 320


async def test_dispute_flags_the_payment(client, stripe_stub):
    payment_id, project = await _alipay_payment(stripe_stub)
    stripe_stub.add(fixture("dispute.json"))
    body = event("event_charge_dispute_created.json", "evt_dispute_1", id="dp_3Dispute0001")
    answer = await _send(client, body)
    assert answer.status_code == 200 and answer.json()["outcome"] == "succeeded, flagged"
    row = await Payment.select().where(Payment.id == payment_id).first()
    assert row["flagged"] is True
    assert (await project_fund_figures(project)).received == 20_000


async def test_capturable_and_canceled_events_follow_stripe(client, stripe_on):
    ev = await factories.event()
    await Event.update({Event.capture_policy: "deferred"}).where(Event.id == ev.id)
    project = await factories.project(ev.id)
    pledge = await factories.pledge(ev.number, project, AMOUNT)
    started = await online.start_payment(pledge, "card", "pm_card_visa")
    intent = await _reference(started.payment_id)
    body = event("event_payment_intent_amount_capturable_updated.json", "evt_cap_1", id=intent)
    assert (await _send(client, body)).json()["outcome"] == "requires_capture"
    sdk(stripe_on).v1.payment_intents.cancel(intent)  # the authorization expires
    body = event("event_payment_intent_canceled.json", "evt_cancel_1", id=intent)
    assert (await _send(client, body)).json()["outcome"] == "canceled"
    assert await OutboxMessage.count().where(OutboxMessage.topic == "mail.send") == 1
    assert (await project_fund_figures(project)).received == 0
    assert await online.outstanding_fen(pledge) == AMOUNT


async def test_stripe_unreachable_means_retry_later(client, stripe_stub):
    body = event("event_payment_intent_succeeded.json", "evt_later_1", id="pi_not_there")
    answer = await _send(client, body)
    assert answer.status_code == 503
    assert await WebhookEvent.count() == 0  # Stripe delivers it again


async def test_a_signature_dated_in_the_future_is_refused(client, stripe_on):
    import time

    _pledge_id, payment_id, _project, intent = await _paid_after_3ds(stripe_on)
    body = event("event_payment_intent_succeeded.json", "evt_future", id=intent)
    future = await _send(client, body, sign(body, timestamp=int(time.time()) + 3600))
    assert future.status_code == 400
    assert future.json()["errors"][0]["field"] == "Stripe-Signature"
    assert await WebhookEvent.count() == 0
    assert await _status(payment_id) == "pending"


async def test_a_signed_body_that_is_not_an_event_object_is_400(client, stripe_on):
    for body in (b"[]", b'[{"id": "evt_1"}]', b'"text"', b'{"id": "evt_2", "data": []}'):
        response = await _send(client, body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["errors"]
    assert await WebhookEvent.count() == 0
