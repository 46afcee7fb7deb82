"""The reconciliation task on a real Celery worker (Redis DB 10) settles a payment whose
webhook never came."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from celery import Celery

from service.ledger.balances import project_fund_figures
from service.payments import online
from service.payments.tables import Payment
from tests import factories, stripe_support
from tests.stripe_support import SECRET_KEY, WEBHOOK_SECRET, authenticate, card_id
from tests.workers import worker

localstripe = stripe_support.localstripe
stripe_on = stripe_support.stripe_on


@pytest.fixture
def task_redis(redis_url: str) -> str:
    import redis

    url = redis_url.rsplit("/", 1)[0] + "/10"
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def stripe_worker(stripe_on: str, task_redis: str) -> Iterator[str]:
    """A Celery worker on Redis DB 10 with Stripe pointed at localstripe; the broker URL."""
    proc = worker(
        {
            "REDIS_URL": task_redis,
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": stripe_on,
        },
        "--concurrency",
        "1",
        "--pool",
        "solo",
    )
    try:
        yield task_redis
    finally:
        proc.stop()  # its output is shown if the test fails


async def test_worker_settles_a_payment_whose_webhook_was_lost(stripe_on, stripe_worker):
    event = await factories.event()
    project = await factories.project(event.id)
    pledge = await factories.pledge(event.number, project, 9_900)
    started = await online.start_payment(pledge, "card", card_id(stripe_on, "4000002500003155"))
    row = await Payment.select().where(Payment.id == started.payment_id).first()
    authenticate(stripe_on, row["provider_reference"], started.client_secret)

    client = Celery(broker=stripe_worker, backend=stripe_worker)
    result = client.send_task("tasks.payments.reconcile_stripe").get(timeout=60)
    assert result == {
        "checked": 1,
        "changed": {str(started.payment_id): "succeeded"},
        "captured": 0,
        "errors": {},
    }
    row = await Payment.select().where(Payment.id == started.payment_id).first()
    assert (row["status"], row["amount_fen"]) == ("succeeded", 9_900)
    figures = await project_fund_figures(project)
    assert figures.received == 9_900 and figures.outstanding == 0
