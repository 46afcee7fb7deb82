"""Pages: the public pledge form, on-stage claims, donor links, offline payments and
bank-statement import, through HTTP with sessions and CSRF."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid

from service.donors.tables import Donor
from service.events.tables import Event
from service.ledger.balances import project_fund_figures
from service.payments.tables import Payment
from service.pledges.codes import pledge_code
from service.pledges.tables import Pledge
from service.settings import get_settings
from service.statements.tables import StatementEntry
from tests import factories
from tests.pledge_helpers import HTML, csrf_token, form_key, log_in, pledge_count


async def test_public_form_creates_one_pledge_even_on_a_double_click(client):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(100_000,))
    page = await client.get(f"/projects/{project}", headers=HTML)
    assert page.status_code == 200 and 'action="/projects/' in page.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    form = {
        "_csrf_token": token,
        "form_key": form_key(page.text),
        "kind": "individual",
        "amount": "88.80",
        "display_name": "赵六",
        "email": "zhao@example.com",
        "message": "祝顺利",
    }
    first = await client.post(f"/projects/{project}/pledge", data=form, headers=HTML)
    second = await client.post(f"/projects/{project}/pledge", data=form, headers=HTML)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert first.headers["location"].startswith("/donor/")
    assert await pledge_count() == 1
    assert (await project_fund_figures(project)).pledged == 8_880

    donor_page = await client.get(first.headers["location"], headers=HTML)
    assert donor_page.status_code == 200
    assert "赵六" in donor_page.text and "¥88.80" in donor_page.text


async def test_public_form_errors_are_shown_and_nothing_written(client):
    event = await factories.event()
    project = await factories.project(event.id)
    token = await csrf_token(client, f"/projects/{project}")
    response = await client.post(
        f"/projects/{project}/pledge",
        data={
            "_csrf_token": token,
            "kind": "individual",
            "amount": "0.5",
            "display_name": "x",
            "phone": "13800000000",
        },
        headers=HTML,
    )
    assert response.status_code == 400
    assert "amount_fen" in response.text and 'value="0.5"' in response.text
    assert await pledge_count() == 0 and await Donor.count() == 0


async def test_donor_link_shows_pledges_and_how_to_pay_and_can_be_revoked(client, monkeypatch):
    settings = dataclasses.replace(
        get_settings(),
        stripe_secret_key="sk_test_dummy",
        bank_account_name="望江街道慈善分会",
        bank_account_number="6222 0000 1111 2222",
        bank_name="工商银行望江支行",
    )
    monkeypatch.setattr("service.donors.controllers.get_settings", lambda: settings)
    event = await factories.event()
    project = await factories.project(event.id)
    response = await client.post(
        "/api/v1/pledges",
        json={
            "event": event.number,
            "project_id": project,
            "amount_fen": 60_000,
            "donor": {"kind": "individual", "display_name": "钱七", "email": "q@example.com"},
        },
    )
    pledge_id = uuid.UUID(response.json()["id"])
    await factories.bank_payment(pledge_id, 10_000)
    donor_id = (await Pledge.select(Pledge.donor).first())["donor"]
    from service.donors.links import current_token

    token = await current_token(donor_id)
    page = await client.get(f"/donor/{token}", headers=HTML)
    assert page.status_code == 200
    assert "¥100.00" in page.text and "¥500.00" in page.text  # paid, due
    assert "6222 0000 1111 2222" in page.text and pledge_code(pledge_id) in page.text
    assert f"/pledges/{pledge_id}/pay" in page.text
    assert page.headers["cache-control"] == "no-store"

    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert (await client.get(f"/donor/{tampered}", headers=HTML)).status_code == 404
    assert (await client.get("/donor/garbage", headers=HTML)).status_code == 404

    assert (await client.post(f"/api/v1/donors/{donor_id}/revoke-links")).status_code == 401
    await log_in(client)
    revoked = await client.post(f"/api/v1/donors/{donor_id}/revoke-links")
    assert revoked.status_code == 200, revoked.text
    assert (await client.get(f"/donor/{token}", headers=HTML)).status_code == 404
    new_path = revoked.json()["link"].split("/donor/")[1]
    assert (await client.get(f"/donor/{new_path}", headers=HTML)).status_code == 200


async def test_on_stage_claims_new_donor_whole_project_then_existing_donor(client):
    await log_in(client)
    event = await factories.event(status=Event.Status.live)
    big = await factories.project(event.id, budget_fen=(300_000, 200_000))
    small = await factories.project(event.id, budget_fen=(40_000,))
    await factories.pledge(event.number, big, 100_000)

    page = await client.get("/console/claims", headers=HTML)
    assert page.status_code == 200 and "autofocus" in page.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    claim = await client.post(
        "/console/claims",
        data={
            "_csrf_token": token,
            "form_key": form_key(page.text),
            "event": str(event.number),
            "donor_query": "杭州某某科技有限公司",
            "kind": "enterprise",
            "uscc": "91330100799655058B",
            "phone": "0571-88888888",
            "project_id": str(big),
            "whole_project": "1",
        },
        headers=HTML,
    )
    assert claim.status_code == 303, claim.text[:2000]
    done = await client.get(claim.headers["location"], headers=HTML)
    assert "¥4,000.00" in done.text
    row = await Pledge.select().where(Pledge.project == big).order_by(Pledge.created_at).run()
    claimed = row[-1]
    assert claimed["channel"] == "on_stage" and claimed["whole_project"] is True
    assert claimed["amount_fen"] == 400_000
    assert claimed["due_on"] == dt.date.today() + dt.timedelta(days=30)
    assert (await project_fund_figures(big)).pledged == 500_000

    found = await client.get("/console/claims/donors?q=某某科技")
    assert found.status_code == 200
    [match] = found.json()
    assert match["id"] == str(claimed["donor"])

    page = await client.get("/console/claims", headers=HTML)
    again = await client.post(
        "/console/claims",
        data={
            "_csrf_token": token,
            "form_key": form_key(page.text),
            "event": str(event.number),
            "donor_query": match["label"],
            "donor_id": match["id"],
            "project_id": str(small),
            "amount": "150",
            "due_on": (dt.date.today() + dt.timedelta(days=7)).isoformat(),
        },
        headers=HTML,
    )
    assert again.status_code == 303
    second = await Pledge.select().where(Pledge.project == small).first()
    assert second["donor"] == claimed["donor"] and second["amount_fen"] == 15_000
    assert await Donor.count() == 2  # the seed pledge's donor and the company

    refused = await client.post(
        "/console/claims",
        data={
            "_csrf_token": token,
            "form_key": uuid.uuid4().hex,
            "event": str(event.number),
            "donor_id": match["id"],
            "donor_query": match["label"],
            "project_id": str(big),
            "whole_project": "1",
        },
        headers=HTML,
    )
    assert refused.status_code == 422 and "fully pledged" in refused.text


async def test_claims_page_is_for_organizers_only(client):
    await factories.event()
    anonymous = await client.get("/console/claims", headers=HTML)
    assert anonymous.status_code == 303
    from service.auth.tables import StaffUser

    await log_in(client, StaffUser.Role.auditor, "audi")
    assert (await client.get("/console/claims", headers=HTML)).status_code == 403
    assert (await client.get("/console/pledges", headers=HTML)).status_code == 200


async def test_console_records_offline_payment(client):
    await log_in(client)
    event = await factories.event()
    project = await factories.project(event.id)
    pledge = await factories.pledge(event.number, project, 25_000)
    code = pledge_code(pledge)
    search = await client.get(f"/console/payments?q={code}", headers=HTML)
    assert search.status_code == 200 and f"/console/payments?pledge={pledge}" in search.text
    token = await csrf_token(client, f"/console/payments?pledge={pledge}")
    response = await client.post(
        "/console/payments/offline",
        data={
            "_csrf_token": token,
            "pledge_id": str(pledge),
            "provider": "cash",
            "amount": "100",
            "reference": "现金-0001",
            "received_on": "2026-11-28",
        },
        headers=HTML,
    )
    assert response.status_code == 303
    assert (await project_fund_figures(project)).received == 10_000
    duplicate = await client.post(
        "/console/payments/offline",
        data={
            "_csrf_token": token,
            "pledge_id": str(pledge),
            "provider": "cash",
            "amount": "1",
            "reference": "现金-0001",
        },
        headers=HTML,
    )
    assert duplicate.status_code == 409
    assert await Payment.count() == 1


STATEMENT = """日期,金额,对方户名,附言
2026-11-20,"1,000.00",孙八,{code} 认捐
2026-11-21,500.00,周九,捐款
2026-11-21,500.00,不认识的人,捐款
2026-11-22,-30.00,银行,手续费
"""


async def test_bank_statement_import_proposes_and_applies_each_line_once(client):
    await log_in(client)
    event = await factories.event()
    project = await factories.project(event.id)
    by_code = await factories.pledge(event.number, project, 200_000)
    await Donor.update({Donor.display_name: "周九"}).where(
        Donor.id == (await Pledge.select(Pledge.donor).where(Pledge.id == by_code).first())["donor"]
    )
    from service.pledges.services import PledgeDraft, create_pledge
    from tests.factories import TEST_ACTOR, donor_draft

    by_name = (
        await create_pledge(
            PledgeDraft(event.number, project, donor_draft("周九"), 50_000), TEST_ACTOR
        )
    ).pledge_id
    csv_text = STATEMENT.format(code=pledge_code(by_code))
    csv_bytes = csv_text.encode("gb18030")

    token = await csrf_token(client, "/console/bank-statements")
    added = await client.post(
        "/console/bank-statements/accounts",
        data={"_csrf_token": token, "name": "基本户", "provider": "bank"},
        headers=HTML,
    )
    assert added.status_code == 303
    account = added.headers["location"].rsplit("=", 1)[1]

    # a bad cell refuses the whole file, naming its line and column
    bad = await client.post(
        "/console/bank-statements",
        data={"_csrf_token": token, "account": account},
        files={"file": ("statement.csv", (csv_text + "2026-11-23,abc,坏行,\n").encode("gb18030"))},
        headers=HTML,
    )
    assert bad.status_code == 400 and "line 6, column 金额" in bad.text
    assert await StatementEntry.count() == 0

    upload = await client.post(
        "/console/bank-statements",
        data={"_csrf_token": token, "account": account},
        files={"file": ("statement.csv", csv_bytes, "text/csv")},
        headers=HTML,
    )
    assert upload.status_code == 201 or upload.status_code == 200, upload.text[:1000]
    assert "新增收入 3 行、支出 1 行" in upload.text
    lines = {row["payer"]: row for row in await StatementEntry.select()}
    assert lines["孙八"]["proposed_pledge"] == by_code
    # 周九 has two pledges; only the one whose outstanding equals the amount is proposed
    assert lines["周九"]["proposed_pledge"] == by_name
    assert lines["不认识的人"]["status"] == "unmatched"
    assert lines["银行"]["status"] == "listed"  # a debit: listed, never applied

    again = await client.post(
        "/console/bank-statements",
        data={"_csrf_token": token, "account": account},
        files={"file": ("statement.csv", csv_bytes, "text/csv")},
        headers=HTML,
    )
    assert "新增收入 0 行、支出 0 行，已导入过 4 行" in again.text
    assert await StatementEntry.count() == 4

    for name in ("孙八", "周九"):
        line = lines[name]
        confirm = await client.post(
            f"/console/bank-statements/{line['id']}/confirm",
            data={"_csrf_token": token, "pledge_id": str(line["proposed_pledge"])},
            headers=HTML,
        )
        assert confirm.status_code == 303
    twice = await client.post(
        f"/console/bank-statements/{lines['孙八']['id']}/confirm",
        data={"_csrf_token": token, "pledge_id": str(by_code)},
        headers=HTML,
    )
    assert twice.status_code == 422
    assert await Payment.count() == 2
    figures = await project_fund_figures(project)
    assert figures.received == 100_000 + 50_000
    statuses = {
        (await Pledge.select(Pledge.status).where(Pledge.id == p).first())["status"]
        for p in (by_code, by_name)
    }
    assert statuses == {"partially_paid", "paid"}

    ignore = await client.post(
        f"/console/bank-statements/{lines['不认识的人']['id']}/ignore",
        data={"_csrf_token": token},
        headers=HTML,
    )
    assert ignore.status_code == 303
    assert (
        await StatementEntry.select(StatementEntry.status)
        .where(StatementEntry.id == lines["不认识的人"]["id"])
        .first()
    )["status"] == "ignored"


async def test_organizer_revokes_a_donors_links_from_the_console_and_mails_the_new_one(client):
    from service.audit.tables import AuditLog
    from service.donors.links import current_token
    from service.mail import mail_from_payload
    from service.outbox.tables import OutboxMessage

    event = await factories.event()
    project = await factories.project(event.id)
    created = await client.post(
        "/api/v1/pledges",
        json={
            "event": event.number,
            "project_id": project,
            "amount_fen": 5_000,
            "donor": {"kind": "individual", "display_name": "李四", "email": "li@example.com"},
        },
    )
    assert created.status_code == 201, created.text
    donor_id = (await Pledge.select(Pledge.donor).first())["donor"]
    old = await current_token(donor_id)
    await log_in(client)
    page = await client.get(f"/console/pledges?event={event.number}", headers=HTML)
    assert f'action="/console/donors/{donor_id}/revoke-links"' in page.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    path = f"/console/donors/{donor_id}/revoke-links"

    # No reason: refused with the field named, and the old link still opens.
    refused = await client.post(
        path, data={"_csrf_token": token, "reason": " ", "mail": "1"}, headers=HTML
    )
    assert refused.status_code == 400 and "reason" in refused.text
    assert (await client.get(f"/donor/{old}", headers=HTML)).status_code == 200

    done = await client.post(
        path,
        data={"_csrf_token": token, "reason": "捐赠人说链接被转发了", "mail": "1", "event": "1"},
        headers=HTML,
    )
    assert done.status_code == 200, done.text
    new = await current_token(donor_id)
    assert new != old and f"/donor/{new}" in done.text and "li@example.com" in done.text
    assert (await client.get(f"/donor/{old}", headers=HTML)).status_code == 404
    assert (await client.get(f"/donor/{new}", headers=HTML)).status_code == 200
    audit = await AuditLog.select(AuditLog.reason).where(AuditLog.action == "donor.revoke_links")
    assert audit == [{"reason": "捐赠人说链接被转发了"}]
    mails = (
        await OutboxMessage.select(OutboxMessage.payload)
        .where(OutboxMessage.dedupe_key == f"donor-link:{new}")
        .output(load_json=True)
    )
    assert len(mails) == 1
    mail = mail_from_payload(mails[0]["payload"])
    assert mail.to == "li@example.com" and f"/donor/{new}" in mail.text

    # Without the mail box ticked the organizer hands the link over; nothing is mailed.
    quiet = await client.post(path, data={"_csrf_token": token, "reason": "当面告知"}, headers=HTML)
    assert quiet.status_code == 200 and 'id="not-mailed"' in quiet.text
    newest = await current_token(donor_id)
    assert not await OutboxMessage.exists().where(
        OutboxMessage.dedupe_key == f"donor-link:{newest}"
    )


async def test_a_closed_events_project_page_says_so_instead_of_showing_the_form(client):
    event = await factories.event(status=Event.Status.closed)
    project = await factories.project(event.id)
    page = await client.get(f"/projects/{project}", headers=HTML)
    assert page.status_code == 200
    assert f'action="/projects/{project}/pledge' not in page.text
    assert "本届众筹会当前不接受认捐" in page.text
    english = await client.get(f"/projects/{project}?lang=en", headers=HTML)
    assert "not taking pledges right now" in english.text
