"""Every posting rule: balanced, keyed by its source (a replay posts nothing), and the
figures it moves equal the source records to the fen."""

import asyncio
import datetime as dt
import uuid

import pytest

from service.audit.services import Actor
from service.auth.services import UserDraft, create_user
from service.auth.tables import StaffUser
from service.disbursements.services import (
    DisbursementDraft,
    approve_disbursement,
    mark_disbursement_paid,
    reallocate_to_general_fund,
    request_disbursement,
)
from service.errors import NotAllowed
from service.ledger import rules
from service.ledger.accounts import cash_ref
from service.ledger.balances import event_fund_figures, project_fund_figures
from service.ledger.checks import compare_event, run_ledger_check
from service.ledger.services import LedgerError, Line, post, verify_chain
from service.ledger.tables import LedgerCheck, LedgerTransaction
from service.matching.drafts import PoolDraft
from service.matching.draws import allocate
from service.matching.pools import create_pool
from service.matching.tables import MatchingPool
from service.outbox.tables import OutboxMessage
from service.payments.tables import Payment
from tests import factories
from tests.ledger_world import assert_invariants, cancel_pledge, refund


async def organizers() -> tuple[Actor, Actor]:
    ids = [
        await create_user(UserDraft(f"org{i}", "a long password 1", StaffUser.Role.organizer))
        for i in (1, 2)
    ]
    return Actor("organizer:org1", ids[0]), Actor("organizer:org2", ids[1])


async def test_full_money_cycle_balances_to_the_fen(clean_db):
    first, second = await organizers()
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    pledge = await factories.pledge(event.number, project, 600_000)
    pay = await factories.bank_payment(pledge, 500_000)
    await rules.provider_fee(
        payment_id=pay, provider="bank", event_id=event.id, project_id=project, fee_fen=300
    )
    await Payment.update({Payment.fee_fen: 300}).where(Payment.id == pay)
    sponsor = await factories.organization("enterprise")
    pool = await create_pool(
        PoolDraft(event.id, sponsor, "配捐池", 100_000, cap_per_gift_fen=80_000), first
    )
    matched = await allocate(pool, pay)
    assert (matched.amount_fen, matched.created) == (80_000, True)
    assert (await allocate(pool, pay)).created is False
    await refund(pay, 20_000)
    disbursement = await request_disbursement(
        DisbursementDraft(project, "第一期：采购轮椅", 300_000, "某某康复器材公司"), first
    )
    with pytest.raises(NotAllowed):
        await approve_disbursement(disbursement, first)  # the requester cannot approve
    await approve_disbursement(disbursement, second)
    await mark_disbursement_paid(disbursement, second, dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    await reallocate_to_general_fund(project, 10_000, "结余转入公共基金", first)
    released = await cancel_pledge(pledge)
    assert released == 100_000

    figures = await project_fund_figures(project)
    assert figures.as_dict() == {
        "pledged": 500_000,
        "received": 500_000,
        "outstanding": 0,
        "matched": 80_000,
        "refunded": 20_000,
        "disbursed": 300_000,
        "fees": 300,
        "reallocated": 10_000,
        "balance": 500_000 + 80_000 - 20_000 - 300_000 - 300 - 10_000,
    }
    general = (await event_fund_figures(event.id))[None]
    assert general.reallocated == -10_000 and general.balance == 10_000
    pool_row = await MatchingPool.select().where(MatchingPool.id == pool).first()
    assert pool_row["allocated_fen"] == 80_000
    await assert_invariants(event.id, event.number)

    # Payout from the clearing account, then replaying every rule posts nothing.
    await rules.payout(payout_id="po_1", provider="stripe", amount_fen=1)
    count = await LedgerTransaction.count()
    again = await rules.payout(payout_id="po_1", provider="stripe", amount_fen=1)
    assert again.created is False and await LedgerTransaction.count() == count
    again = await rules.pool_funded(pool_id=pool, event_id=event.id, amount_fen=100_000)
    assert again.created is False and await LedgerTransaction.count() == count


async def test_reversal_mirrors_the_original_once(clean_db):
    event = await factories.event()
    project = await factories.project(event.id)
    pledge = await factories.pledge(event.number, project, 50_000)
    before = await project_fund_figures(project)
    posted = await rules.reversal(key=f"pledge:{pledge}:made", reason="entered twice")
    assert posted.created
    assert (await rules.reversal(key=f"pledge:{pledge}:made", reason="again")).created is False
    after = await project_fund_figures(project)
    assert before.pledged == 50_000 and after.pledged == 0 and after.outstanding == 0
    row = await LedgerTransaction.select().where(LedgerTransaction.id == posted.transaction_id)
    assert row[0]["kind"] == "reversal"
    assert (await verify_chain()).ok
    # The pledge row still says 50,000: the check reports the correction as unfinished.
    findings = await compare_event(event.id, event.number)
    assert any("pledged is 0 fen in the ledger but 50000" in f for f in findings)


async def test_unbalanced_or_float_postings_are_refused_before_writing(clean_db):
    bank, stripe = cash_ref("bank"), cash_ref("stripe")
    for lines in (
        [Line(bank, 100), Line(stripe, -99)],
        [Line(bank, 100)],
        [Line(bank, 1.5), Line(stripe, -1.5)],  # type: ignore[arg-type]
        [Line(bank, 0), Line(stripe, 0)],
    ):
        with pytest.raises(LedgerError):
            await post(
                key=str(uuid.uuid4()),
                kind=LedgerTransaction.Kind.payout,
                event_id=None,
                lines=lines,
            )
    assert await LedgerTransaction.count() == 0


async def test_pool_never_overdraws_under_concurrency(clean_db):
    event = await factories.event()
    sponsor = await factories.organization("enterprise")
    pool = await create_pool(PoolDraft(event.id, sponsor, "小配捐池", 25_000), Actor("test"))
    payments = []
    for _ in range(12):
        project = await factories.project(event.id, budget_fen=(100_000,))
        pledge = await factories.pledge(event.number, project, 10_000)
        payments.append(await factories.bank_payment(pledge, 10_000))
    results = await asyncio.gather(*(allocate(pool, p) for p in payments))
    total = sum(r.amount_fen for r in results)
    assert total == 25_000
    assert sorted(r.amount_fen for r in results if r.amount_fen) == [5_000, 10_000, 10_000]
    row = await MatchingPool.select().where(MatchingPool.id == pool).first()
    assert row["allocated_fen"] == 25_000 and row["status"] == "exhausted"
    await assert_invariants(event.id, event.number)


async def test_caps_per_project_and_donor_day(clean_db):
    event = await factories.event()
    sponsor = await factories.organization("enterprise")
    pool = await create_pool(
        PoolDraft(
            event.id,
            sponsor,
            "有上限的配捐",
            1_000_000,
            ratio_numerator=1,
            ratio_denominator=2,
            cap_per_project_fen=7_000,
        ),
        Actor("test"),
    )
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    amounts = []
    for _ in range(3):
        pledge = await factories.pledge(event.number, project, 6_000)
        amounts.append(
            (await allocate(pool, await factories.bank_payment(pledge, 6_000))).amount_fen
        )
    assert amounts == [3_000, 3_000, 1_000]
    await assert_invariants(event.id, event.number)


async def test_disbursement_cannot_exceed_the_balance(clean_db):
    first, second = await organizers()
    event = await factories.event()
    project = await factories.project(event.id)
    pledge = await factories.pledge(event.number, project, 10_000)
    await factories.bank_payment(pledge, 10_000)
    with pytest.raises(NotAllowed):
        await request_disbursement(DisbursementDraft(project, "m", 10_001, "payee"), first)
    one = await request_disbursement(DisbursementDraft(project, "m", 6_000, "payee"), first)
    with pytest.raises(NotAllowed):  # 6,000 is already promised
        await request_disbursement(DisbursementDraft(project, "m", 5_000, "payee"), first)
    with pytest.raises(NotAllowed):  # not approved yet
        await mark_disbursement_paid(one, second)
    await approve_disbursement(one, second)
    await mark_disbursement_paid(one, second)
    assert (await project_fund_figures(project)).balance == 4_000
    await assert_invariants(event.id, event.number)


async def test_periodic_check_records_and_alerts_on_a_difference(clean_db):
    event = await factories.event()
    project = await factories.project(event.id)
    pledge = await factories.pledge(event.number, project, 10_000)
    payment = await factories.bank_payment(pledge, 10_000)
    ok = await run_ledger_check()
    assert ok.ok and ok.findings == []
    # A source record changed behind the ledger's back.
    await Payment.update({Payment.amount_fen: 9_000}).where(Payment.id == payment)
    bad = await run_ledger_check()
    assert not bad.ok
    assert any("received is 10000 fen in the ledger but 9000" in f for f in bad.findings)
    checks = await LedgerCheck.select().order_by(LedgerCheck.id)
    assert [c["ok"] for c in checks] == [True, False]
    alerts = await OutboxMessage.select().where(OutboxMessage.topic == "alert.ledger")
    assert len(alerts) == 1


async def test_worker_runs_the_periodic_check(clean_db, redis_url):
    """A real Celery worker (Redis DB 4) runs tasks.ledger.check from the beat schedule."""
    import redis
    from celery import Celery

    from tasks.celery_app import app
    from tests.workers import worker

    assert app.conf.beat_schedule["ledger-check"]["task"] == "tasks.ledger.check"
    assert "tasks.ledger" in app.conf.include
    url = redis_url.rsplit("/", 1)[0] + "/4"
    redis.Redis.from_url(url).flushdb()
    event = await factories.event()
    project = await factories.project(event.id)
    pledge = await factories.pledge(event.number, project, 10_000)
    await factories.bank_payment(pledge, 10_000)
    solo = ("--concurrency", "1", "--pool", "solo")
    proc = await asyncio.to_thread(worker, {"REDIS_URL": url}, *solo)
    try:
        client = Celery(broker=url, backend=url)
        result = client.send_task("tasks.ledger.check")
        outcome = await asyncio.to_thread(result.get, timeout=60)
    finally:
        proc.stop()  # its output is shown if the test fails
    assert outcome["ok"] is True and outcome["findings"] == []
    assert [c["ok"] for c in await LedgerCheck.select()] == [True]


async def test_concurrent_postings_keep_one_unbroken_chain(clean_db):
    keys = [f"po_{i % 15}" for i in range(30)]  # every payout posted twice, concurrently
    results = await asyncio.gather(
        *(rules.payout(payout_id=key, provider="stripe", amount_fen=100) for key in keys)
    )
    assert sum(r.created for r in results) == 15
    seqs = [r["seq"] for r in await LedgerTransaction.select().order_by(LedgerTransaction.seq)]
    assert seqs == list(range(1, 16))
    report = await verify_chain()
    assert report.ok and report.transactions == 15
