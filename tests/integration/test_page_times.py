"""Times for people: pages show Asia/Shanghai times written per language (one filter,
service/timefmt.py); the API keeps ISO 8601 with an offset."""

from __future__ import annotations

import datetime as dt

from service.auth.services import UserDraft, create_user, issue_token
from service.auth.tables import StaffUser
from service.ledger.tables import LedgerCheck
from service.timefmt import day, when
from tests import factories

MOMENT = dt.datetime(2026, 11, 30, 0, 4, 49, 274843, tzinfo=dt.UTC)


def test_one_function_writes_a_moment_per_language_in_shanghai_time():
    assert when(MOMENT, "zh_Hans") == "2026年11月30日 08:04"
    assert when(MOMENT, "en") == "30 Nov 2026 08:04"
    assert when(MOMENT.isoformat(), "en") == "30 Nov 2026 08:04"  # ISO text from a manifest
    late = dt.datetime(2026, 11, 30, 17, 30, tzinfo=dt.UTC)  # already the 1st in Shanghai
    assert day(late, "zh_Hans") == "2026年12月1日"
    assert day(dt.date(2017, 4, 21), "en") == "21 Apr 2017"
    assert when(None) == ""


async def test_the_audit_portal_shows_the_ledger_check_time_in_both_languages(client):
    await LedgerCheck.insert(LedgerCheck(checked_at=MOMENT, ok=True, head_hash="0" * 64))
    auditor = await create_user(UserDraft("timecheck", "a long password 2", StaffUser.Role.auditor))
    headers = {"authorization": f"Bearer {await issue_token(auditor, 't')}"}

    chinese = (await client.get("/audit", headers=headers)).text
    english = (await client.get("/audit?lang=en", headers=headers)).text
    assert "2026年11月30日 08:04" in chinese
    assert "30 Nov 2026 08:04" in english
    for html in (chinese, english):
        assert "+00:00" not in html and "00:04:49" not in html


async def test_public_pages_show_the_meeting_day_per_language_and_the_api_keeps_iso(client):
    event = await factories.event(held_on=dt.date(2017, 4, 21))
    chinese = (await client.get(f"/events/{event.number}")).text
    english = (await client.get(f"/events/{event.number}?lang=en")).text
    assert "2017年4月21日" in chinese
    assert "21 Apr 2017" in english
    api = (await client.get(f"/api/v1/events/{event.number}")).json()
    assert api["held_on"] == "2017-04-21"
