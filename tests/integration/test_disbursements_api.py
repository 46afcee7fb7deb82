"""Disbursements over the staff API: an owner requests with evidence, a second organizer
approves, an organizer records the payout; the ledger, the audit log and the evidence
files follow. Bad input is a 4xx naming the field, with nothing written."""

from __future__ import annotations

import uuid

import pytest

from service.audit.tables import AuditLog
from service.disbursements.evidence import storage_dir
from service.disbursements.tables import Disbursement, DisbursementEvidence
from service.ledger.balances import project_fund_figures
from service.ledger.checks import compare_event
from service.ledger.services import verify_chain
from service.projects.tables import BudgetLine, Project
from tests import evidence_files, factories, staff


async def funded_project(received_fen: int = 600_000, status: str = "in_progress"):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(500_000, 300_000))
    pledge = await factories.pledge(event.number, project, received_fen)
    await factories.bank_payment(pledge, received_fen)
    await Project.update({Project.status: status}).where(Project.id == project)
    org = (await Project.select(Project.owner_org).where(Project.id == project).first())[
        "owner_org"
    ]
    lines = await BudgetLine.select(BudgetLine.id).where(BudgetLine.project == project)
    return event, project, org, [line["id"] for line in lines]


def form(amount_fen: int, line: int | None, **extra: str) -> dict[str, str]:
    data = {"amount_fen": str(amount_fen), "payee": "杭州某建设公司", "purpose": "一期工程款"}
    if line is not None:
        data["budget_line_id"] = str(line)
    data.update(extra)
    return data


def evidence(*contents: bytes, public: tuple[int, ...] = (0,)):
    files = {f"evidence_{i}": (f"file{i}", content) for i, content in enumerate(contents)}
    flags = {f"evidence_public_{i}": "1" for i in public}
    kinds = {f"evidence_kind_{i}": "invoice" for i in range(len(contents))}
    return files, {**flags, **kinds}


async def request(client, who, project, data, files):
    return await client.post(
        f"/api/v1/console/projects/{project}/disbursements",
        data=data,
        files=files,
        headers=who.headers,
    )


def stored_files() -> set[str]:
    directory = storage_dir()
    return {p.name for p in directory.iterdir()} if directory.exists() else set()


async def nothing_written() -> None:
    assert await Disbursement.count() == 0
    assert await DisbursementEvidence.count() == 0


async def test_request_approve_pay_posts_to_the_ledger(client):
    event, project, org, lines = await funded_project()
    owner = await staff.make("project_owner", org, username="owner")
    first = await staff.make("organizer", username="org1")
    second = await staff.make("organizer", username="org2")
    files, flags = evidence(evidence_files.pdf(), evidence_files.png(), public=(0,))
    response = await request(client, owner, project, {**form(250_000, lines[0]), **flags}, files)
    assert response.status_code == 201, response.text
    disbursement = response.json()["id"]

    # The requester may not approve her own request (an organizer requesting for an owner).
    mine = await request(client, first, project, {**form(1_000, None, milestone="勘察")}, files)
    assert mine.status_code == 201, mine.text
    own = await client.post(
        f"/api/v1/console/disbursements/{mine.json()['id']}/approve",
        json={"reason": "ok"},
        headers=first.headers,
    )
    assert own.status_code == 422
    assert own.json()["errors"][0]["field"] == "approved_by"

    approved = await client.post(
        f"/api/v1/console/disbursements/{disbursement}/approve",
        json={"reason": "凭证齐全"},
        headers=second.headers,
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert (await project_fund_figures(project)).disbursed == 0  # approval moves no money

    paid = await client.post(
        f"/api/v1/console/disbursements/{disbursement}/pay",
        json={"bank_reference": "HZB-2026-0001", "paid_on": "2026-12-03"},
        headers=first.headers,
    )
    assert paid.status_code == 200, paid.text
    body = paid.json()
    assert body["status"] == "paid" and body["bank_reference"] == "HZB-2026-0001"
    assert body["paid_on"] == "2026-12-03"
    figures = await project_fund_figures(project)
    assert figures.disbursed == 250_000
    assert figures.balance == 600_000 - 250_000
    assert (await verify_chain()).ok
    assert await compare_event(event.id, event.number) == []

    # The same bank reference cannot pay a second disbursement.
    await client.post(
        f"/api/v1/console/disbursements/{mine.json()['id']}/approve",
        json={},
        headers=second.headers,
    )
    again = await client.post(
        f"/api/v1/console/disbursements/{mine.json()['id']}/pay",
        json={"bank_reference": "HZB-2026-0001", "paid_on": "2026-12-04"},
        headers=first.headers,
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "bank_reference"

    actions = [
        row["action"]
        for row in await AuditLog.select(AuditLog.action)
        .where(AuditLog.object_id == disbursement)
        .order_by(AuditLog.id)
    ]
    assert actions == ["disbursement.request", "disbursement.approve", "disbursement.pay"]

    detail = (
        await client.get(f"/api/v1/console/disbursements/{disbursement}", headers=owner.headers)
    ).json()
    public = [e for e in detail["evidence"] if e["public"]]
    internal = [e for e in detail["evidence"] if not e["public"]]
    assert len(public) == 1 and len(internal) == 1
    assert public[0]["media_type"] == "application/pdf"
    served = await client.get(public[0]["url"])
    assert served.status_code == 200 and served.content == evidence_files.pdf()
    assert served.headers["content-type"].startswith("application/pdf")
    hidden_name = internal[0]["url"].rsplit("/", 1)[-1]
    assert (await client.get(f"/evidence/{hidden_name}")).status_code == 404
    staff_copy = await client.get(internal[0]["url"], headers=owner.headers)
    assert staff_copy.status_code == 200 and staff_copy.content == evidence_files.png()


@pytest.mark.parametrize(
    ("case", "field", "status"),
    [
        ("over_balance", "amount_fen", 422),
        ("no_evidence", "evidence", 400),
        ("not_funded", "project_id", 422),
        ("polyglot_zip", "evidence[0]", 400),
        ("polyglot_pdf_in_png", "evidence[0]", 400),
        ("pdf_javascript", "evidence[0]", 400),
        ("html", "evidence[0]", 400),
        ("oversized", "evidence[0]", 400),
        ("no_payee", "payee", 400),
        ("foreign_budget_line", "budget_line_id", 400),
    ],
)
async def test_bad_requests_name_the_field_and_write_nothing(client, case, field, status):
    _event, project, org, lines = await funded_project(
        status="published" if case == "not_funded" else "in_progress"
    )
    owner = await staff.make("project_owner", org, username="owner")
    content = {
        "polyglot_zip": evidence_files.png_with_zip(),
        "polyglot_pdf_in_png": evidence_files.png_with_pdf(),
        "pdf_javascript": evidence_files.pdf_with_javascript(),
        "html": evidence_files.html_named_png(),
        "oversized": evidence_files.pdf() + b" " * (8 * 1024 * 1024),
    }.get(case, evidence_files.pdf())
    files, flags = evidence(content)
    data = {**form(700_000 if case == "over_balance" else 10_000, lines[0]), **flags}
    if case == "no_evidence":
        files = {"note": ("note.txt", b"x")}  # multipart, but no evidence_N file
    if case == "no_payee":
        data["payee"] = ""
    if case == "foreign_budget_line":
        _e, _p, _o, other_lines = await funded_project()
        data["budget_line_id"] = str(other_lines[0])
    before = stored_files()
    response = await request(client, owner, project, data, files)
    assert response.status_code == status, response.text
    assert field in [e["field"] for e in response.json()["errors"]], response.text
    await nothing_written()
    assert stored_files() == before


async def test_owners_see_only_their_projects(client):
    _event, project, _org, lines = await funded_project()
    stranger = await staff.make("project_owner", await factories.organization(), username="other")
    files, flags = evidence(evidence_files.pdf())
    response = await request(client, stranger, project, {**form(1_000, lines[0]), **flags}, files)
    assert response.status_code == 404
    await nothing_written()
    auditor = await staff.make("auditor", username="aud")
    assert (
        await client.get(f"/api/v1/console/disbursements/{uuid.uuid4()}", headers=auditor.headers)
    ).status_code == 404
