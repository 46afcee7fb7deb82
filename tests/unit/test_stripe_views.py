"""Reading Stripe's documented shapes (and localstripe's quirks) into IntentViews, and
the STRIPE_* settings."""

from __future__ import annotations

import copy

import pytest

from service.payments.stripe_gateway import intent_view
from service.settings import SettingsError, load_settings
from tests.stripe_support import fixture


def test_alipay_intent_with_fee():
    view = intent_view(fixture("payment_intent_alipay_succeeded.json"))
    assert (view.status, view.method, view.received_fen, view.fee_fen) == (
        "succeeded",
        "alipay",
        20_000,
        320,
    )
    assert view.refunds == () and view.failure == "" and not view.disputed


def test_partial_capture_on_real_stripe_is_amount_received():
    data = copy.deepcopy(fixture("payment_intent_alipay_succeeded.json"))
    data["amount_received"] = 15_000
    data["latest_charge"]["amount_captured"] = 15_000
    assert intent_view(data).received_fen == 15_000
    assert intent_view(data).refunded_fen == 0


def test_partial_capture_on_localstripe_is_not_a_refund():
    data = copy.deepcopy(fixture("payment_intent_alipay_succeeded.json"))
    del data["amount_received"]
    data["latest_charge"]["refunds"]["data"] = [
        {"id": "re_rest", "amount": 4_000, "payment_intent": None, "metadata": {}},
        {"id": "re_ours", "amount": 1_000, "payment_intent": None, "metadata": {"refund_id": "x"}},
        {"id": "re_dash", "amount": 500, "payment_intent": data["id"], "metadata": {}},
    ]
    view = intent_view(data)
    assert view.received_fen == 16_000
    assert [(r.id, r.our_refund_id) for r in view.refunds] == [("re_ours", "x"), ("re_dash", None)]
    assert view.refunded_fen == 1_500


def test_failed_intent_carries_the_reason():
    data = fixture("event_payment_intent_payment_failed.json")["data"]["object"]
    view = intent_view(data)
    assert view.status == "requires_payment_method"
    assert view.failure == "Your card was declined."
    assert view.received_fen == 0


def test_payment_method_settings(tmp_path):
    settings = load_settings(
        {
            "MINSHENG_DATA_DIR": str(tmp_path),
            "STRIPE_PAYMENT_METHODS": " card, Alipay ",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_1",
            "STRIPE_JS_URL": "http://127.0.0.1:8420/js.stripe.com/v3/",
        }
    )
    assert settings.stripe_payment_methods == ("card", "alipay")
    assert settings.stripe_publishable_key == "pk_test_1"
    assert settings.stripe_js_url == "http://127.0.0.1:8420/js.stripe.com/v3/"
    defaults = load_settings({"MINSHENG_DATA_DIR": str(tmp_path)})
    assert defaults.stripe_payment_methods == ("card",)
    assert defaults.stripe_js_url == "https://js.stripe.com/v3/"


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"STRIPE_PAYMENT_METHODS": "card,bitcoin"}, "STRIPE_PAYMENT_METHODS"),
        ({"STRIPE_PAYMENT_METHODS": ","}, "STRIPE_PAYMENT_METHODS"),
        ({"STRIPE_JS_URL": "js.stripe.com/v3"}, "STRIPE_JS_URL"),
    ],
)
def test_bad_payment_settings(tmp_path, environ, variable):
    with pytest.raises(SettingsError) as error:
        load_settings({"MINSHENG_DATA_DIR": str(tmp_path), **environ})
    assert error.value.variable == variable
