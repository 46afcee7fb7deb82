"""The lapse task on a real Celery worker (Redis DB 5): an overdue pledge lapses and its
unpaid remainder leaves the project's figures."""

import datetime as dt

from celery import Celery

from service.ledger.balances import project_fund_figures
from service.pledges.tables import Pledge
from tests import factories
from tests.workers import worker


async def test_worker_lapses_overdue_pledges(clean_db, redis_url):
    import redis

    url = redis_url.rsplit("/", 1)[0] + "/5"
    redis.Redis.from_url(url).flushdb()
    event = await factories.event()
    project = await factories.project(event.id)
    overdue = await factories.pledge(event.number, project, 40_000, due_on=dt.date(2020, 1, 1))
    await factories.bank_payment(overdue, 10_000)
    current = await factories.pledge(event.number, project, 5_000)

    proc = worker({"REDIS_URL": url}, "--concurrency", "1", "--pool", "solo")
    try:
        client = Celery(broker=url, backend=url)
        assert client.send_task("tasks.pledges.lapse_overdue").get(timeout=90) == 1
    finally:
        output = proc.stop()
    assert "ready" in output.lower(), output
    statuses = {row["id"]: row["status"] for row in await Pledge.select(Pledge.id, Pledge.status)}
    assert statuses == {overdue: "lapsed", current: "pledged"}
    figures = await project_fund_figures(project)
    assert (figures.pledged, figures.received, figures.outstanding) == (15_000, 10_000, 5_000)
