"""The organizers' receipts page: list, resend as 副本, void and reissue with a reason."""

from __future__ import annotations

import re

from service.audit.tables import AuditLog
from service.auth.services import UserDraft, create_user
from service.auth.tables import StaffUser
from service.outbox.tables import OutboxMessage
from service.receipts.tables import Receipt
from tasks import outbox
from tests import factories

PASSWORD = "correct horse battery"
HTML = {"accept": "text/html"}


async def log_in(client, role: StaffUser.Role) -> str:
    await create_user(UserDraft(role.value[:8], PASSWORD, role))
    response = await client.post(
        "/api/v1/auth/login", json={"username": role.value[:8], "password": PASSWORD}
    )
    assert response.status_code == 201
    page = await client.get("/console/receipts", headers=HTML)
    if page.status_code != 200:
        return ""
    return re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)


async def test_organizers_resend_copies_and_void_with_reissue(client):
    event = await factories.event(number=5)
    project = await factories.project(event.id)
    pledge = await factories.pledge(5, project, 50_000)
    await factories.bank_payment(pledge, 50_000)
    await outbox.relay_once()
    receipt = await Receipt.select().first()

    token = await log_in(client, StaffUser.Role.organizer)
    page = await client.get("/console/receipts", headers=HTML)
    assert "5-000001" in page.text and "¥500.00" in page.text
    pdf = await client.get(f"/console/receipts/{receipt['id']}/pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    resend = await client.post(
        f"/console/receipts/{receipt['id']}/resend", data={"_csrf_token": token}, headers=HTML
    )
    assert resend.status_code == 303
    assert await OutboxMessage.count().where(
        OutboxMessage.dedupe_key == f"receipt.mail:{receipt['id']}:1"
    )

    no_reason = await client.post(
        f"/console/receipts/{receipt['id']}/void",
        data={"_csrf_token": token, "reason": " ", "reissue": "1"},
        headers=HTML,
    )
    assert no_reason.status_code == 400
    void = await client.post(
        f"/console/receipts/{receipt['id']}/void",
        data={"_csrf_token": token, "reason": "抬头错误", "reissue": "1", "title": "新抬头"},
        headers=HTML,
    )
    assert void.status_code == 303
    rows = await Receipt.select(Receipt.number, Receipt.status, Receipt.title).order_by(
        Receipt.number
    )
    assert [(r["number"], r["status"]) for r in rows] == [(1, "void"), (2, "issued")]
    assert rows[1]["title"] == "新抬头"
    actions = {r["action"] for r in await AuditLog.select(AuditLog.action)}
    assert {"receipt.issue", "receipt.resend", "receipt.void"} <= actions


async def test_auditors_may_not_open_the_receipts_console(client):
    assert await log_in(client, StaffUser.Role.auditor) == ""
    assert (await client.get("/console/receipts")).status_code == 403
