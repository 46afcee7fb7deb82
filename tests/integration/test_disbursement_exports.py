"""The disbursement register and the evidence index: each format parses back, the
register's paid total equals the ledger's disbursed figure at the export's head, and the
evidence index lists every file with its SHA-256 and visibility."""

from __future__ import annotations

import hashlib

import pytest

from service.ledger.balances import event_fund_figures
from service.projects.tables import BudgetLine
from tests import evidence_files, staff
from tests.integration.test_disbursements_api import evidence, form, funded_project
from tests.integration.test_exports import auth, parse


async def export(client, token, event_number, fmt, kind):
    response = await client.get(
        "/api/v1/exports/ledger",
        params={"event": event_number, "format": fmt, "kind": kind},
        headers=auth(token),
    )
    assert response.status_code == 200, response.text
    manifest = await client.get(
        f"/api/v1/exports/{response.headers['x-export-id']}/manifest", headers=auth(token)
    )
    return response.content, manifest.json()


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
async def test_register_and_evidence_index(client, fmt):
    event, project, org, lines = await funded_project()
    owner = await staff.make("project_owner", org, username="owner")
    first = await staff.make("organizer", username="org1")
    second = await staff.make("organizer", username="org2")
    auditor = await staff.make("auditor", username="aud")
    ids = []
    for amount, line in ((200_000, lines[0]), (50_000, lines[1])):
        files, flags = evidence(evidence_files.pdf(str(amount)), evidence_files.png())
        response = await client.post(
            f"/api/v1/console/projects/{project}/disbursements",
            data={**form(amount, line), **flags},
            files=files,
            headers=owner.headers,
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    await client.post(
        f"/api/v1/console/disbursements/{ids[0]}/approve", json={}, headers=second.headers
    )
    paid = await client.post(
        f"/api/v1/console/disbursements/{ids[0]}/pay",
        json={"bank_reference": "B-1", "paid_on": "2026-12-01"},
        headers=first.headers,
    )
    assert paid.status_code == 200

    body, manifest = await export(client, auditor.token, event.number, fmt, "disbursements")
    header, rows = parse(fmt, body)
    assert header[0] == "disbursement_id" and len(rows) == 2 == manifest["rows"]
    disbursed = (await event_fund_figures(event.id))[project].disbursed
    assert manifest["totals_fen"] == {"amount_fen": 250_000, "paid_fen": disbursed}
    assert disbursed == 200_000
    assert manifest["sha256"] == hashlib.sha256(body).hexdigest()
    by_id = {str(r["disbursement_id"]): r for r in rows}
    assert str(by_id[ids[0]]["bank_reference"]) == "B-1"
    assert str(by_id[ids[1]]["status"]) == "requested"
    item = await BudgetLine.select(BudgetLine.item).where(BudgetLine.id == lines[0]).first()
    assert str(by_id[ids[0]]["budget_line"]) == item["item"]

    body, manifest = await export(client, auditor.token, event.number, fmt, "evidence")
    header, rows = parse(fmt, body)
    assert len(rows) == 4 == manifest["rows"]
    digests = {str(r["sha256"]) for r in rows}
    assert hashlib.sha256(evidence_files.pdf("200000")).hexdigest() in digests
    assert hashlib.sha256(evidence_files.png()).hexdigest() in digests
    assert sorted(str(r["public"]).lower() in ("true", "1") for r in rows) == [
        False,
        False,
        True,
        True,
    ]
