"""Matching pools (配捐) with doors: the staff API, allocation in the settle step, refunds
releasing matches, concurrency, the abuse rule and the review queue."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import uuid

from service.audit.tables import AuditLog
from service.db import write_transaction
from service.disbursements.settlement import record_offline_refund
from service.donors.services import DonorDraft
from service.donors.tables import Donor
from service.ledger.tables import LedgerTransaction
from service.live import services as live_services
from service.live.tables import LiveEvent
from service.matching.allocation import release_match
from service.matching.drafts import PoolDraft
from service.matching.pools import create_pool
from service.matching.tables import MatchAllocation, MatchDecision, MatchingPool
from service.outbox.tables import OutboxMessage
from service.payments.services import OfflinePayment, record_offline_payment
from service.payments.tables import Payment
from service.pledges.services import PledgeDraft, create_pledge
from tests import factories, staff
from tests.factories import TEST_ACTOR
from tests.ledger_world import assert_invariants, refund

API = "/api/v1/matching"


async def gift(
    event_number: int, project: int, amount_fen: int, name: str | None = None, **donor: object
) -> uuid.UUID:
    """A pledge by its own donor, paid in full at the bank (the settle step matches it)."""
    result = await create_pledge(
        PledgeDraft(
            event_number=event_number,
            project_id=project,
            donor=DonorDraft(
                kind=Donor.Kind.individual,
                display_name=name or f"捐赠人{uuid.uuid4().hex[:8]}",
                **donor,
            ),
            amount_fen=amount_fen,
        ),
        TEST_ACTOR,
    )
    return await record_offline_payment(
        OfflinePayment(
            pledge_id=result.pledge_id,
            provider=Payment.Provider.bank,
            amount_fen=amount_fen,
            reference=f"BANK-{uuid.uuid4().hex[:12]}",
            received_on=dt.date(2026, 11, 1),
        ),
        TEST_ACTOR,
    )


async def decision(payment_id: uuid.UUID) -> dict:
    return await MatchDecision.select().where(MatchDecision.payment == payment_id).first()


async def pledge_record(client, payment_id: uuid.UUID) -> list[dict]:
    """The matching record on the gift's pledge, as `GET /api/v1/pledges/{id}` shows it."""
    row = await Payment.select(Payment.pledge).where(Payment.id == payment_id).first()
    return (await client.get(f"/api/v1/pledges/{row['pledge']}")).json()["matching"]


async def test_pool_lifecycle_through_the_api(client):
    organizer = await staff.make("organizer")
    auditor = await staff.make("auditor")
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    other = await factories.project(event.id, budget_fen=(1_000_000,))
    sponsor = await factories.organization("enterprise", "杭州某银行")
    body = {
        "event": event.number,
        "sponsor_org_id": sponsor,
        "name": "银行 1:0.5 配捐",
        "total_fen": 100_000,
        "ratio": "1:0.5",
        "cap_per_gift_fen": 20_000,
        "eligible_project_ids": [project],
    }
    # Bad input: each refused with the field named, nothing written.
    for change, field in (
        ({"cap_per_gift_fen": 200_000}, "cap_per_gift_fen"),
        ({"cap_per_project_fen": 10_000}, "cap_per_gift_fen"),
        ({"ratio": "1:-1"}, "ratio"),
        ({"ratio": "one to one"}, "ratio"),
        ({"total_fen": 0}, "total_fen"),
        ({"eligible_project_ids": [999_999]}, "eligible_project_ids"),
        ({"sponsor_org_id": 999_999}, "sponsor_org_id"),
        (
            {"starts_at": "2026-12-05T10:00:00+08:00", "ends_at": "2026-12-05T09:00:00+08:00"},
            "ends_at",
        ),
    ):
        response = await client.post(f"{API}/pools", json=body | change, headers=organizer.headers)
        assert response.status_code == 400, (change, response.text)
        assert field in {e.get("field") for e in response.json()["errors"]} or field in str(
            response.json()
        ), response.json()
    assert await MatchingPool.count() == 0
    assert (
        await client.post(f"{API}/pools", json=body, headers=auditor.headers)
    ).status_code == 403

    created = await client.post(f"{API}/pools", json=body, headers=organizer.headers)
    assert created.status_code == 201, created.text
    pool = created.json()
    assert (pool["status"], pool["ratio"], pool["remaining_fen"]) == ("draft", "1:0.5", 0)

    # Not funded yet: the gift is recorded as not matched, with the reason, on the pledge.
    before = await gift(event.number, project, 10_000)
    assert (await decision(before))["outcome"] == "none"
    assert "pool_draft" in (await decision(before))["reason"]
    pledge_id = (await Payment.select(Payment.pledge).where(Payment.id == before).first())["pledge"]
    record = (await client.get(f"/api/v1/pledges/{pledge_id}")).json()["matching"]
    assert record[0]["outcome"] == "none" and "not funded" in record[0]["reason"]

    funded = await client.post(f"{API}/pools/{pool['id']}/fund", headers=organizer.headers)
    assert funded.json()["status"] == "open" and funded.json()["remaining_fen"] == 100_000
    again = await client.post(f"{API}/pools/{pool['id']}/fund", headers=organizer.headers)
    assert again.status_code == 422

    matched = await gift(event.number, project, 60_000)  # 1:0.5 → 30,000, capped at 20,000
    assert (await decision(matched))["matched_fen"] == 20_000
    small = await gift(event.number, project, 10_000)
    assert (await decision(small))["matched_fen"] == 5_000
    elsewhere = await gift(event.number, other, 10_000)
    assert (await decision(elsewhere))["outcome"] == "none"
    assert "no_pool" in (await decision(elsewhere))["reason"]

    paused = await client.post(
        f"{API}/pools/{pool['id']}/pause", json={"reason": "核对账目"}, headers=organizer.headers
    )
    assert paused.json()["status"] == "paused"
    while_paused = await gift(event.number, project, 10_000)
    assert "pool_paused" in (await decision(while_paused))["reason"]
    no_reason = await client.post(
        f"{API}/pools/{pool['id']}/close", json={"reason": ""}, headers=organizer.headers
    )
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "reason"
    resumed = await client.post(
        f"{API}/pools/{pool['id']}/resume", json={}, headers=organizer.headers
    )
    assert resumed.json()["status"] == "open"
    closed = await client.post(
        f"{API}/pools/{pool['id']}/close", json={"reason": "活动结束"}, headers=organizer.headers
    )
    assert closed.json()["status"] == "closed"
    after = await gift(event.number, project, 10_000)
    assert (await decision(after))["outcome"] == "none"
    assert "pool_closed" in (await decision(after))["reason"]
    closed_record = await pledge_record(client, after)
    assert closed_record[0]["outcome"] == "none" and "pool_closed" in closed_record[0]["reason"]

    # Auditors read pools and allocations; the public project shows its matched amount.
    pools = await client.get(f"{API}/pools?event={event.number}", headers=auditor.headers)
    assert pools.json()[0]["allocated_fen"] == 25_000
    allocations = await client.get(
        f"{API}/allocations?event={event.number}", headers=auditor.headers
    )
    assert sorted(a["amount_fen"] for a in allocations.json()) == [5_000, 20_000]
    public = (await client.get(f"/api/v1/projects/{project}")).json()
    assert public["totals"]["matched"] == 25_000
    page = await client.get(f"/projects/{project}")
    assert "¥250.00" in page.text
    console = await client.get(f"/console/matching/{pool['id']}", headers=auditor.headers)
    assert console.status_code == 200 and "银行 1:0.5 配捐" in console.text
    await assert_invariants(event.id, event.number)


async def test_console_form_refuses_a_cap_above_the_total(client):
    organizer = await staff.make("organizer")
    event = await factories.event()
    sponsor = await factories.organization("enterprise", "某企业")
    await staff.login(client, organizer)
    page = await client.get("/console/matching/")
    token = client.cookies.get("minsheng_csrf")
    response = await client.post(
        "/console/matching/",
        data={
            "_csrf_token": token,
            "event": str(event.number),
            "sponsor_org_id": str(sponsor),
            "name": "企业配捐",
            "total": "1000",
            "ratio": "1:1",
            "cap_per_gift": "2000",
        },
    )
    assert page.status_code == 200
    assert response.status_code == 400
    assert 'data-field="cap_per_gift"' in response.text
    assert await MatchingPool.count() == 0
    # The field errors are Chinese first, English with ?lang=en (the language switch).
    assert "上限不能超过配捐池总额（¥1,000.00）" in response.text
    form = {
        "_csrf_token": token,
        "event": str(event.number),
        "sponsor_org_id": str(sponsor),
        "name": "企业配捐",
        "total": "1000",
    }
    for ratio in ("1:-1", "one to one"):
        bad_ratio = await client.post("/console/matching/", data=form | {"ratio": ratio})
        assert bad_ratio.status_code == 400 and 'data-field="ratio"' in bad_ratio.text
        assert "比例" in bad_ratio.text.split('data-field="ratio">')[1].split("<")[0]
    gift_over_project = form | {"cap_per_gift": "500", "cap_per_project": "100"}
    crossed = await client.post("/console/matching/", data=gift_over_project)
    assert "每笔上限不能超过每个项目上限" in crossed.text
    english = await client.post(
        "/console/matching/?lang=en", data=form | {"ratio": "1:1", "cap_per_gift": "2000"}
    )
    assert english.status_code == 400 and 'data-field="cap_per_gift"' in english.text
    assert "A cap cannot be larger than the pool" in english.text
    assert "上限不能超过" not in english.text
    english_ratio = await client.post("/console/matching/", data=form | {"ratio": "0:1"})
    assert "Both sides of the ratio must be positive." in english_ratio.text  # lang cookie
    assert await MatchingPool.count() == 0


async def test_200_concurrent_settlements_never_overdraw_the_pool(clean_db):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(100_000_000,))
    sponsor = await factories.organization("enterprise")

    pool = await create_pool(PoolDraft(event.id, sponsor, "小配捐池", 123_457), TEST_ACTOR)
    pledges = []
    for i in range(200):
        result = await create_pledge(
            PledgeDraft(
                event_number=event.number,
                project_id=project,
                donor=DonorDraft(kind=Donor.Kind.individual, display_name=f"居民{i}"),
                amount_fen=1_000 + i,
            ),
            TEST_ACTOR,
        )
        pledges.append((result.pledge_id, 1_000 + i))

    async def settle(pledge_id: uuid.UUID, amount: int) -> uuid.UUID:
        return await record_offline_payment(
            OfflinePayment(
                pledge_id=pledge_id,
                provider=Payment.Provider.bank,
                amount_fen=amount,
                reference=f"B-{pledge_id.hex[:12]}",
                received_on=dt.date(2026, 11, 1),
            ),
            TEST_ACTOR,
        )

    payments = await asyncio.gather(*(settle(p, a) for p, a in pledges))
    asked = sum(a for _, a in pledges)
    assert asked > 123_457
    allocations = await MatchAllocation.select().where(MatchAllocation.pool == pool)
    assert sum(a["amount_fen"] for a in allocations) == 123_457
    row = await MatchingPool.select().where(MatchingPool.id == pool).first()
    assert (row["allocated_fen"], row["status"]) == (123_457, "exhausted")
    outcomes = [await decision(p) for p in payments]
    assert {d["outcome"] for d in outcomes} == {"matched", "none"}
    assert all("pool_exhausted" in d["reason"] for d in outcomes if d["outcome"] == "none")
    assert sum(d["matched_fen"] for d in outcomes) == 123_457
    await assert_invariants(event.id, event.number)


async def test_a_refund_releases_its_match(clean_db):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    sponsor = await factories.organization("enterprise")

    pool = await create_pool(PoolDraft(event.id, sponsor, "1:1 配捐", 50_000), TEST_ACTOR)
    pay = await gift(event.number, project, 30_000)
    second = await gift(event.number, project, 30_000)
    assert (await decision(second))["matched_fen"] == 20_000  # the pool ran out
    row = await MatchingPool.select().where(MatchingPool.id == pool).first()
    assert row["status"] == "exhausted"

    async with write_transaction():
        refund_id = await refund(pay, 10_000)
        assert await release_match(pay, f"refund:{refund_id}", 20_000, "refund") == 10_000
    async with write_transaction():  # a replay of the same refund releases nothing more
        assert await release_match(pay, f"refund:{refund_id}", 20_000, "refund") == 0
    row = await MatchingPool.select().where(MatchingPool.id == pool).first()
    assert (row["allocated_fen"], row["status"]) == (40_000, "open")
    kinds = await LedgerTransaction.select(LedgerTransaction.kind).where(
        LedgerTransaction.kind == "match_released"
    )
    assert len(kinds) == 1
    await assert_invariants(event.id, event.number)

    # The live screen hears of it: one update (the replay wrote no second row) showing the
    # pool's remainder after the release.
    rows = (
        await OutboxMessage.select(OutboxMessage.topic, OutboxMessage.payload)
        .where(OutboxMessage.topic == "live.match_released")
        .output(load_json=True)
    )
    assert [row["payload"]["amount_fen"] for row in rows] == [10_000]
    await live_services.record_many([(row["topic"], row["payload"]) for row in rows])
    update = await LiveEvent.select(LiveEvent.kind, LiveEvent.payload).output(load_json=True)
    (released,) = [u for u in update if u["kind"] == "match_released"]
    assert released["payload"]["item"]["amount_fen"] == 10_000
    assert [p["remaining_fen"] for p in released["payload"]["pools"]] == [10_000]


async def test_a_burst_from_one_donor_is_held_for_review_and_a_normal_donor_is_matched(client):
    organizer = await staff.make("organizer")
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(10_000_000,))
    sponsor = await factories.organization("enterprise")

    await create_pool(
        PoolDraft(event.id, sponsor, "1:1 配捐", 1_000_000, cap_per_gift_fen=5_000), TEST_ACTOR
    )
    # The 2018 pattern: many donor records, one contact, more than five gifts a minute.
    burst = [
        await gift(event.number, project, 1_000, name=f"账号{i}", phone="13800000000")
        for i in range(7)
    ]
    outcomes = [(await decision(p))["outcome"] for p in burst]
    assert outcomes[:5] == ["matched"] * 5
    assert outcomes[5:] == ["held", "held"]
    assert "burst" in (await decision(burst[5]))["reason"]
    # Many different people who all typed 匿名 are not one donor.
    strangers = [
        await gift(event.number, project, 1_000, name="匿名", phone=f"1370000000{i}")
        for i in range(7)
    ]
    assert {(await decision(p))["outcome"] for p in strangers} == {"matched"}
    normal = await gift(event.number, project, 3_000, name="王阿姨", email="wang@example.cn")
    assert (await decision(normal))["outcome"] == "matched"
    assert (await decision(normal))["matched_fen"] == 3_000

    # Split to stay under the 5,000 fen cap per gift: held too.
    first = await gift(event.number, project, 4_000, name="李先生", email="li@example.cn")
    second = await gift(event.number, project, 4_000, name="李先生", email="li@example.cn")
    assert (await decision(first))["outcome"] == "matched"
    assert (await decision(second))["outcome"] == "held"
    assert "split" in (await decision(second))["reason"]

    queue = await client.get(f"{API}/held", headers=organizer.headers)
    assert len(queue.json()) == 3
    held_id = (await decision(burst[5]))["id"]
    missing = await client.post(
        f"{API}/held/{held_id}/release", json={"reason": ""}, headers=organizer.headers
    )
    assert missing.status_code == 400
    released = await client.post(
        f"{API}/held/{held_id}/release",
        json={"reason": "核实为同一家庭"},
        headers=organizer.headers,
    )
    assert released.json() == {"outcome": "released", "matched_fen": 1_000}
    refused_id = (await decision(burst[6]))["id"]
    refused = await client.post(
        f"{API}/held/{refused_id}/refuse", json={"reason": "刷单"}, headers=organizer.headers
    )
    assert refused.json()["outcome"] == "refused"
    twice = await client.post(
        f"{API}/held/{refused_id}/refuse", json={"reason": "刷单"}, headers=organizer.headers
    )
    assert twice.status_code == 422
    actions = {
        row["action"]: row["reason"]
        for row in await AuditLog.select(AuditLog.action, AuditLog.reason).where(
            AuditLog.action.like("matching.hold%")
        )
    }
    assert actions["matching.hold.release"] == "核实为同一家庭"
    assert actions["matching.hold.refuse"] == "刷单"
    assert (await decision(burst[6]))["matched_fen"] == 0
    page = await client.get("/console/matching/review", headers=organizer.headers)
    assert "李先生" in page.text
    assert "拆分捐赠以规避每笔上限" in page.text and 'data-reason="split"' in page.text
    await assert_invariants(event.id, event.number)


async def test_auditors_see_pools_and_matching_in_the_portal_and_exports(client):
    auditor = await staff.make("auditor")
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    sponsor = await factories.organization("enterprise", "审计可见的企业")

    await create_pool(PoolDraft(event.id, sponsor, "审计配捐", 7_000), TEST_ACTOR)
    await gift(event.number, project, 5_000, name="甲")
    await gift(event.number, project, 5_000, name="乙")
    page = await client.get(f"/audit/events/{event.number}/matching", headers=auditor.headers)
    assert page.status_code == 200
    assert "审计可见的企业" in page.text and "pool_exhausted" in page.text
    assert "配捐池已用完" in page.text  # the reason, as the auditor reads it
    export = await client.get(
        f"/api/v1/exports/ledger?event={event.number}&kind=matching&format=json",
        headers=auditor.headers,
    )
    assert export.status_code == 200, export.text
    rows = export.json()["rows"] if isinstance(export.json(), dict) else export.json()
    assert sorted(r["matched_fen"] for r in rows) == [2_000, 5_000]
    assert {r["outcome"] for r in rows} == {"matched"}


async def test_console_creates_funds_and_pauses_a_pool(client):
    organizer = await staff.make("organizer")
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    sponsor = await factories.organization("enterprise", "控制台企业")
    await staff.login(client, organizer)
    await client.get("/console/matching/")
    token = client.cookies.get("minsheng_csrf")
    created = await client.post(
        "/console/matching/",
        data={
            "_csrf_token": token,
            "event": str(event.number),
            "sponsor_org_id": str(sponsor),
            "name": "控制台配捐",
            "total": "500",
            "ratio": "1:0.5",
            "cap_per_gift": "100",
            "starts_at": "2026-10-01T09:00",
            "ends_at": "2027-01-01T00:00",
            "projects": [str(project)],
        },
    )
    assert created.status_code == 303, created.text
    pool_page = created.headers["location"]
    pool = await MatchingPool.select().first()
    assert (pool["status"], pool["total_fen"], pool["ratio_denominator"]) == ("draft", 50_000, 2)
    funded = await client.post(pool_page, data={"_csrf_token": token, "action": "fund"})
    assert funded.status_code == 303
    await gift(event.number, project, 30_000)
    page = await client.get(pool_page)
    assert "¥100.00" in page.text and "配捐中" in page.text
    assert "2026年10月1日 09:00" in page.text  # the window in Hangzhou time
    paused = await client.post(
        pool_page, data={"_csrf_token": token, "action": "pause", "reason": "核对"}
    )
    assert paused.status_code == 303
    assert (await MatchingPool.select().first())["status"] == "paused"
    refused = await client.post(pool_page, data={"_csrf_token": token, "action": "close"})
    assert refused.status_code == 400  # a reason is required
    assert "请填写原因。" in refused.text
    english = await client.post(
        f"{pool_page}?lang=en", data={"_csrf_token": token, "action": "resume"}
    )
    assert english.status_code == 303
    again = await client.post(pool_page, data={"_csrf_token": token, "action": "resume"})
    assert again.status_code == 422 and "A pool that is “Matching” cannot do that." in again.text


async def test_a_booked_refund_releases_its_match_everywhere_auditors_look(client):
    auditor = await staff.make("auditor")
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    sponsor = await factories.organization("enterprise", "退款可见的企业")
    pool = await create_pool(PoolDraft(event.id, sponsor, "1:1 配捐", 50_000), TEST_ACTOR)
    pay = await gift(event.number, project, 30_000, name="退款人")
    kept = await gift(event.number, project, 10_000, name="留下的人")
    assert (await decision(pay))["matched_fen"] == 30_000

    await record_offline_refund(pay, 20_000, "REF-0001", "捐赠人要求部分退款", TEST_ACTOR)
    row = await MatchingPool.select().where(MatchingPool.id == pool).first()
    assert row["allocated_fen"] == 20_000  # 10,000 kept by the refunded gift + 10,000
    public = (await client.get(f"/api/v1/projects/{project}")).json()
    assert public["totals"]["matched"] == 20_000

    export = await client.get(
        f"/api/v1/exports/ledger?event={event.number}&kind=matching&format=json",
        headers=auditor.headers,
    )
    assert export.status_code == 200, export.text
    rows = export.json()["rows"] if isinstance(export.json(), dict) else export.json()
    by_payment = {r["payment_id"]: r for r in rows}
    refunded = by_payment[str(pay)]
    assert (refunded["matched_fen"], refunded["released_fen"], refunded["net_matched_fen"]) == (
        30_000,
        20_000,
        10_000,
    )
    assert by_payment[str(kept)]["net_matched_fen"] == 10_000
    csv = await client.get(
        f"/api/v1/exports/ledger?event={event.number}&kind=matching&format=csv",
        headers=auditor.headers,
    )
    assert csv.status_code == 200 and "退款人" in csv.text
    page = await client.get(f"/audit/events/{event.number}/matching", headers=auditor.headers)
    assert page.status_code == 200
    pools_table = page.text.split('id="audit-pools"')[1].split("</table>")[0]
    assert "退款可见的企业" in pools_table
    assert "¥400.00" in pools_table and "¥200.00" in pools_table  # allocated, released
    assert "¥300.00" in pools_table  # remaining
    gifts_table = page.text.split('id="audit-decisions"')[1].split("</table>")[0]
    refunded_row = next(r for r in gifts_table.split("<tr>") if "退款人" in r)
    assert "¥300.00" in refunded_row and "¥200.00" in refunded_row  # matched, released
    pool_api = await client.get(f"{API}/pools/{pool}/allocations", headers=auditor.headers)
    released = {a["payment"]: a["released_fen"] for a in pool_api.json()}
    assert released == {str(pay): 20_000, str(kept): 0}
    await assert_invariants(event.id, event.number)


async def test_an_exhausted_pool_matches_nothing_and_the_pledge_record_says_why(client):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    sponsor = await factories.organization("enterprise")
    await create_pool(PoolDraft(event.id, sponsor, "小池", 5_000), TEST_ACTOR)
    first = await gift(event.number, project, 8_000)
    assert (await decision(first))["matched_fen"] == 5_000
    record = await pledge_record(client, first)
    assert record[0]["outcome"] == "matched" and record[0]["matched_fen"] == 5_000
    assert "pool_exhausted" in record[0]["reason"]  # matched less than the ratio, and why
    after = await gift(event.number, project, 1_000)
    record = await pledge_record(client, after)
    assert (record[0]["outcome"], record[0]["matched_fen"]) == ("none", 0)
    assert "pool_exhausted" in record[0]["reason"] and "小池" in record[0]["reason"]
    await assert_invariants(event.id, event.number)


async def test_the_live_screen_and_phone_page_show_matched_amounts(client):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    sponsor = await factories.organization("enterprise", "现场企业")
    await create_pool(PoolDraft(event.id, sponsor, "现场配捐", 50_000), TEST_ACTOR)
    await gift(event.number, project, 12_000)
    for path in (f"/events/{event.number}/live", f"/events/{event.number}/live/phone"):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert "现场配捐" in page.text and "¥380.00" in page.text  # the pool's remainder
        assert 'data-matched data-fen="12000"' in page.text  # the project's match
        assert 'data-total="matched" data-fen="12000"' in page.text


async def test_gifts_paid_from_one_bank_account_are_one_donor_for_the_abuse_rule(clean_db):
    """Six transfers from one account within a minute, each for another donor's pledge
    under another name: held like a burst from one donor. Masked payers (wallet exports)
    identify nobody: six of them are matched."""
    from service.statements import services as statements
    from service.statements.tables import StatementAccount, StatementEntry, StatementImport

    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(10_000_000,))
    sponsor = await factories.organization("enterprise")
    await create_pool(PoolDraft(event.id, sponsor, "1:1 配捐", 1_000_000), TEST_ACTOR)
    account = StatementAccount(name="工行专户", provider="bank", number="6222000011112222")
    await account.save()
    upload = StatementImport(account=account.id, file_sha256="0" * 64, layout="test")
    await upload.save()

    async def transfer(i: int, payer: str, payer_account: str) -> uuid.UUID:
        pledge = await create_pledge(
            PledgeDraft(
                event_number=event.number,
                project_id=project,
                donor=DonorDraft(kind=Donor.Kind.individual, display_name=f"{payer}的账号{i}"),
                amount_fen=1_000,
            ),
            TEST_ACTOR,
        )
        entry = StatementEntry(
            account=account.id,
            statement_import=upload.id,
            line_key=uuid.uuid4().hex + uuid.uuid4().hex,
            direction="credit",
            booked_on=dt.date(2026, 11, 1),
            booked_time=dt.time(10, 0, i),
            amount_fen=1_000,
            payer=payer,
            payer_account=payer_account,
        )
        await entry.save()
        return await statements.confirm_entry(entry.id, pledge.pledge_id, TEST_ACTOR)

    one_account = [await transfer(i, f"付款人{i}", "6222021234567890") for i in range(6)]
    assert [(await decision(p))["outcome"] for p in one_account] == ["matched"] * 5 + ["held"]
    assert "burst" in (await decision(one_account[5]))["reason"]
    one_name = [await transfer(i, "赵六", f"62220212345678{i:02d}") for i in range(6)]
    assert (await decision(one_name[5]))["outcome"] == "held"
    masked = [await transfer(i, "张**", "138****0000") for i in range(6)]
    assert {(await decision(p))["outcome"] for p in masked} == {"matched"}
    await assert_invariants(event.id, event.number)


async def test_a_held_gift_refunded_before_review_is_matched_on_what_is_left(client):
    organizer = await staff.make("organizer")
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    sponsor = await factories.organization("enterprise")
    pool = await create_pool(
        PoolDraft(event.id, sponsor, "1:1 配捐", 100_000, cap_per_gift_fen=5_000), TEST_ACTOR
    )
    gifts = [
        await gift(event.number, project, 4_000, name="周女士", email="zhou@example.cn")
        for _ in range(3)
    ]
    assert [(await decision(p))["outcome"] for p in gifts] == ["matched", "held", "held"]
    await record_offline_refund(gifts[1], 3_000, "REF-A", "部分退款", TEST_ACTOR)
    await record_offline_refund(gifts[2], 4_000, "REF-B", "全额退款", TEST_ACTOR)
    for payment in gifts[1:]:
        released = await client.post(
            f"{API}/held/{(await decision(payment))['id']}/release",
            json={"reason": "核实无误"},
            headers=organizer.headers,
        )
        assert released.status_code == 200, released.text
    assert (await decision(gifts[1]))["matched_fen"] == 1_000  # 1:1 on the 1,000 left
    assert (await decision(gifts[2]))["matched_fen"] == 0
    assert "refunded" in (await decision(gifts[2]))["reason"]
    row = await MatchingPool.select().where(MatchingPool.id == pool).first()
    assert row["allocated_fen"] == 5_000
    await assert_invariants(event.id, event.number)


async def test_a_gift_outside_the_pools_window_matches_nothing_and_says_why(client):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    sponsor = await factories.organization("enterprise")
    shanghai = dt.timezone(dt.timedelta(hours=8))
    await create_pool(
        PoolDraft(
            event.id,
            sponsor,
            "会后配捐",
            50_000,
            starts_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=shanghai),
        ),
        TEST_ACTOR,
    )
    await create_pool(
        PoolDraft(
            event.id,
            sponsor,
            "会前配捐",
            50_000,
            ends_at=dt.datetime(2026, 10, 1, 0, 0, tzinfo=shanghai),
        ),
        TEST_ACTOR,
    )
    payment = await gift(event.number, project, 10_000)  # its money moved on 2026-11-01
    record = await pledge_record(client, payment)
    assert (record[0]["outcome"], record[0]["matched_fen"]) == ("none", 0)
    assert "not_started" in record[0]["reason"] and "会后配捐" in record[0]["reason"]
    assert "ended" in record[0]["reason"] and "会前配捐" in record[0]["reason"]
    await assert_invariants(event.id, event.number)


async def test_the_burst_rate_is_configurable(clean_db, monkeypatch):
    from service.matching import abuse
    from service.settings import get_settings, load_settings

    env = {"MATCH_BURST_MAX": "2", "MATCH_BURST_WINDOW_S": "600", "MATCH_SPLIT_WINDOW_S": "60"}
    configured = load_settings({**os.environ, **env})
    assert (configured.match_burst_max, configured.match_burst_window_s) == (2, 600)
    strict = dataclasses.replace(
        get_settings(), match_burst_max=2, match_burst_window_s=600, match_split_window_s=60
    )
    monkeypatch.setattr(abuse, "get_settings", lambda: strict)
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(1_000_000,))
    sponsor = await factories.organization("enterprise")
    await create_pool(PoolDraft(event.id, sponsor, "1:1 配捐", 100_000), TEST_ACTOR)
    gifts = [
        await gift(event.number, project, 1_000, name=f"号{i}", email="same@example.cn")
        for i in range(3)
    ]
    assert [(await decision(p))["outcome"] for p in gifts] == ["matched", "matched", "held"]
    assert "2" in (await decision(gifts[2]))["reason"]
