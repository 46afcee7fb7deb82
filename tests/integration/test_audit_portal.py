"""The auditor portal: read-only pages for auditors and organizers, refused to others;
figures on the pages equal the ledger to the fen; the head hash is public."""

import re
import uuid

import pytest

from service.db import write_transaction
from service.ledger.services import head
from service.payments.tables import Payment
from service.receipts.tables import Receipt
from tests.ledger_world import build_world, truncate_all


@pytest.fixture(scope="module")
async def world(database):
    yield await build_world()
    await truncate_all()


@pytest.fixture
async def client(app, world):
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers={"authorization": f"Bearer {world.auditor_token}"},
    ) as api:
        yield api


async def page(client, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, response.text[:2000]
    return response.text


async def test_home_and_event_overview(client, world):
    _, digest = await head()
    home = await page(client, "/audit")
    assert digest in home and f"/audit/events/{world.event_number}" in home
    overview = await page(client, f"/audit/events/{world.event_number}")
    balances = (await client.get(f"/api/v1/ledger/balances?event={world.event_number}")).json()
    assert "¥" in overview
    for project in balances["projects"]:
        if project["project_id"] is not None:
            assert f"/audit/projects/{project['project_id']}" in overview
    total = balances["total"]["balance"]
    assert f"¥{total // 100:,}.{total % 100:02d}" in overview
    assert "kind=journal&format=xlsx" in overview
    assert "<svg" in overview


async def test_journal_filters_and_trial_balance(client, world):
    journal = await page(client, f"/audit/events/{world.event_number}/journal?kind=refund")
    assert journal.count("<td>refund</td>") == 2  # one refund: a debit and a credit line
    assert "<td>pledge_made</td>" not in journal
    cash = await page(client, f"/audit/events/{world.event_number}/journal?account=cash")
    assert "<code>cash:bank</code>" in cash and "<code>pledged:p" not in cash
    none = await page(
        client,
        f"/audit/events/{world.event_number}/journal?date_from=2000-01-01&date_to=2000-01-02",
    )
    assert "没有符合条件的分录" in none
    trial = await page(client, f"/audit/events/{world.event_number}/trial-balance")
    debits = re.search(r'id="trial-debits">([^<]+)<', trial).group(1)
    credits = re.search(r'id="trial-credits">([^<]+)<', trial).group(1)
    assert debits == credits and debits != "¥0.00"
    assert "借贷平衡" in trial


async def test_unpaid_statement_and_chart(client, world):
    unpaid = await page(client, f"/audit/events/{world.event_number}/unpaid")
    assert "¥1,800.00" in unpaid  # 300,000 pledged − 120,000 paid on project B
    statement = await page(client, f"/audit/projects/{world.projects[0]}")
    balances = (await client.get(f"/api/v1/ledger/balances?event={world.event_number}")).json()
    balance = next(p for p in balances["projects"] if p["project_id"] == world.projects[0])
    last = re.findall(r'audit-balance">([^<]+)<', statement)[-1]
    value = balance["totals"]["balance"]
    assert last == f"¥{value // 100:,}.{value % 100:02d}"
    assert "项目资金图" in statement and "<svg" in statement


async def test_receipts_register_gap_check(client, world):
    payment = (await Payment.select(Payment.id, Payment.pledge.donor.as_alias("donor")))[0]
    async with write_transaction():
        for number in (1, 2, 4):
            await Receipt.insert(
                Receipt(
                    id=uuid.uuid4(),
                    event=world.event_id,
                    number=number,
                    payment=payment["id"],
                    donor=payment["donor"],
                    amount_fen=100 * number,
                    title="张三",
                    status="void" if number != 4 else "issued",
                    verification_code=f"V{number}",
                )
            )
    register = await page(client, f"/audit/events/{world.event_number}/receipts")
    assert "缺号 3" in register
    assert "¥4.00" in register  # only the issued one counts
    exported = await client.get(
        f"/api/v1/exports/ledger?event={world.event_number}&kind=receipts&format=json"
    )
    numbers = [row["number"] for row in exported.json()["rows"]]
    assert numbers == [1, 2, 4]
    await Receipt.raw("DELETE FROM receipt")


async def test_portal_is_refused_to_others(app, world):
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anon:
        response = await anon.get("/audit", headers={"accept": "text/html"})
        assert response.status_code in (302, 303) and "/login" in response.headers["location"]
        owner = await anon.get(
            f"/audit/events/{world.event_number}/journal",
            headers={"authorization": f"Bearer {world.owner_token}"},
        )
        assert owner.status_code == 403


async def test_public_event_page_shows_the_head_hash(app, world):
    import httpx

    _, digest = await head()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anon:
        response = await anon.get(f"/events/{world.event_number}")
    assert response.status_code == 200
    assert digest in response.text
