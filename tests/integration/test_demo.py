"""The demo data: the 5th edition as the seed document describes it, loaded idempotently."""

import re

from service.demo.data import EVENTS
from service.demo.loader import load_demo
from service.ledger.services import verify_chain
from service.piccolo_app import APP_CONFIG

FIFTH_TOTAL_FEN = sum(
    payment.amount_fen for pledge in EVENTS[0].pledges for payment in pledge.payments
)


async def row_counts() -> dict[str, int]:
    return {t._meta.tablename: await t.count() for t in APP_CONFIG.table_classes}


async def test_demo_loads_23_projects_and_just_over_2_03_million(client):
    assert await load_demo() == [5, 6]

    event = (await client.get("/api/v1/events/5")).json()
    assert event["totals"]["projects"] == 23
    assert event["totals"]["received"] == FIFTH_TOTAL_FEN
    assert 203_000_000 < FIFTH_TOTAL_FEN < 204_000_000

    projects = (await client.get("/api/v1/events/5/projects")).json()
    assert len(projects) == 23
    assert all(p["totals"]["received"] == p["target_fen"] for p in projects)
    titles = " ".join(p["title"] for p in projects)
    for expected in ("卫生服务站", "老年食堂", "电梯", "微型消防", "充电"):
        assert expected in titles

    sixth = (await client.get("/api/v1/events/6")).json()
    assert sixth["status"] == "pledging"


async def test_loading_twice_changes_nothing(clean_db):
    await load_demo()
    before = await row_counts()
    assert await load_demo() == []
    assert await row_counts() == before


async def test_demo_ledger_verifies_and_balances_match_sources(client):
    await load_demo()
    report = await verify_chain()
    assert report.ok, report.problems
    balances = (await client.get("/api/v1/ledger/balances", params={"event": 5})).json()
    assert balances["total"]["received"] == FIFTH_TOTAL_FEN
    assert balances["head_hash"] == report.head_hash
    by_project = {p["project_id"]: p["totals"] for p in balances["projects"]}
    projects = (await client.get("/api/v1/events/5/projects")).json()
    for project in projects:
        assert by_project[project["id"]]["received"] == project["totals"]["received"]


async def test_home_page_shows_the_fifth_event_in_chinese(client):
    await load_demo()
    page = await client.get("/", headers={"accept": "text/html"})
    assert page.status_code == 200
    html = page.text
    cards = re.findall(r'<article class="card" data-project-id="\d+"', html)
    assert len(cards) == 23
    assert "¥2,031,580.00" in html or f"¥{FIFTH_TOTAL_FEN // 100:,}.00" in html
    assert "第五届民生实事公益众筹会" in html
    assert "已筹集" in html
    assert "第六届民生实事公益众筹会" in html  # the open edition is announced

    english = await client.get("/?lang=en", headers={"accept": "text/html"})
    assert english.status_code == 200
    assert english.cookies.get("lang") == "en"


async def test_project_page_shows_budget_and_progress(client):
    await load_demo()
    projects = (await client.get("/api/v1/events/5/projects")).json()
    first = projects[0]
    page = await client.get(f"/projects/{first['id']}", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert first["title"] in page.text
    assert "预算明细" in page.text
    assert "100%" in page.text
