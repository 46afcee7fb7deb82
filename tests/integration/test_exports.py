"""Exports round-trip: each format parses back, debits equal credits, per-project
balances equal the API's, and the manifest matches the bytes."""

import csv
import hashlib
import io
import json
import os
import subprocess
import sys

import pytest

from service.receipts.tables import Receipt
from tests.ledger_world import build_world, truncate_all
from tests.xlsx_reader import read_xlsx


@pytest.fixture(scope="module")
async def world(database):
    """Built once for the module (the tests only read); emptied afterwards."""
    yield await build_world()
    await truncate_all()


@pytest.fixture
async def client(app, world):
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
        yield api


def auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def parse(fmt: str, body: bytes) -> tuple[list[str], list[dict]]:
    if fmt == "csv":
        assert body.startswith("\ufeff".encode())
        reader = csv.reader(io.StringIO(body.decode("utf-8-sig")))
        header, *rows = list(reader)
        return header, [dict(zip(header, row, strict=True)) for row in rows]
    if fmt == "json":
        document = json.loads(body)
        return document["columns"], document["rows"]
    header, *rows = read_xlsx(body)[0]
    return header, [
        dict(zip(header, row + [""] * (len(header) - len(row)), strict=True)) for row in rows
    ]


async def export(client, world, fmt: str, kind: str = "journal", **extra) -> tuple:
    params = {"event": world.event_number, "format": fmt, "kind": kind, **extra}
    response = await client.get(
        "/api/v1/exports/ledger", params=params, headers=auth(world.auditor_token)
    )
    assert response.status_code == 200, response.text
    manifest = await client.get(
        f"/api/v1/exports/{response.headers['x-export-id']}/manifest",
        headers=auth(world.auditor_token),
    )
    assert manifest.status_code == 200, manifest.text
    return response, manifest.json()


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
async def test_journal_round_trip_and_manifest(client, world, fmt):
    response, manifest = await export(client, world, fmt)
    header, rows = parse(fmt, response.content)
    assert header[:3] == ["seq", "occurred_at", "kind"]
    debits = sum(int(r["debit_fen"]) for r in rows)
    credits = sum(int(r["credit_fen"]) for r in rows)
    assert debits == credits > 0
    balances = (await client.get(f"/api/v1/ledger/balances?event={world.event_number}")).json()
    assert manifest["rows"] == len(rows)
    assert manifest["debit_total_fen"] == debits and manifest["credit_total_fen"] == credits
    assert manifest["sha256"] == hashlib.sha256(response.content).hexdigest()
    assert manifest["bytes"] == len(response.content)
    assert manifest["ledger_head_hash"] == balances["head_hash"]
    assert manifest["ledger_head_seq"] == balances["head_seq"]
    assert response.headers["x-ledger-head-hash"] == balances["head_hash"]
    # Each transaction balances on its own, and the entries rebuild the ledger figures.
    per_tx: dict[str, int] = {}
    for row in rows:
        per_tx[row["seq"]] = (
            per_tx.get(row["seq"], 0) + int(row["debit_fen"]) - int(row["credit_fen"])
        )
    assert set(per_tx.values()) == {0}
    received = {}
    for row in rows:
        if row["account_type"] in ("pledged", "receivable") and row["account"].endswith(
            tuple(f":p{p}" for p in world.projects)
        ):
            project = int(row["account"].rsplit(":p", 1)[1])
            received[project] = (
                received.get(project, 0) + int(row["credit_fen"]) - int(row["debit_fen"])
            )
    api = {p["project_id"]: p["totals"] for p in balances["projects"]}
    for project in world.projects:
        assert received[project] == api[project]["received"]


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
async def test_statement_balances_equal_the_api(client, world, fmt):
    response, manifest = await export(client, world, fmt, kind="statement")
    _, rows = parse(fmt, response.content)
    last: dict[str, int] = {}
    for row in rows:
        last[str(row["project_id"])] = int(row["balance_fen"])
    balances = (await client.get(f"/api/v1/ledger/balances?event={world.event_number}")).json()
    expected = {
        ("" if p["project_id"] is None else str(p["project_id"])): p["totals"]["balance"]
        for p in balances["projects"]
    }
    if fmt == "json":
        last = {("" if k == "None" else k): v for k, v in last.items()}
    assert last == expected
    assert manifest["rows"] == len(rows)
    assert manifest["totals_fen"]["balance_change_fen"] == balances["total"]["balance"]


async def test_registers_and_csv_injection(client, world):
    response, manifest = await export(client, world, "csv", kind="pledges")
    text = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    _, rows = parse("csv", response.content)
    assert len(rows) == world.pledges == manifest["rows"]
    paid = sum(int(r["paid_fen"]) for r in rows)
    balances = (await client.get(f"/api/v1/ledger/balances?event={world.event_number}")).json()
    assert paid == balances["total"]["received"]
    outstanding = sum(int(r["outstanding_fen"]) for r in rows)
    assert outstanding == balances["total"]["outstanding"] == 180_000
    # Receipts: an empty register is still a valid file.
    response, manifest = await export(client, world, "json", kind="receipts")
    assert json.loads(response.content)["rows"] == [] and manifest["rows"] == 0
    assert await Receipt.count() == 0


async def test_journal_csv_neutralises_formulas_in_memos(client, world):
    from service.ledger.accounts import cash_ref
    from service.ledger.services import Line, post
    from service.ledger.tables import LedgerTransaction

    await post(
        key=f"test:{world.event_id}:formula",
        kind=LedgerTransaction.Kind.payout,
        event_id=world.event_id,
        memo='=HYPERLINK("http://evil")',
        lines=[Line(cash_ref("bank"), 1), Line(cash_ref("stripe"), -1)],
    )
    for fmt in ("csv", "json"):
        response, manifest = await export(client, world, fmt)
        _, rows = parse(fmt, response.content)
        memos = [r["memo"] for r in rows if "HYPERLINK" in r["memo"]]
        expected = '\'=HYPERLINK("http://evil")' if fmt == "csv" else '=HYPERLINK("http://evil")'
        assert memos == [expected, expected]
        assert manifest["debit_total_fen"] == manifest["credit_total_fen"]


async def test_exports_need_a_financial_reader(client, world):
    url = f"/api/v1/exports/ledger?event={world.event_number}&format=csv"
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=auth(world.owner_token))).status_code == 403
    bad = await client.get(url + "&kind=secrets", headers=auth(world.auditor_token))
    assert bad.status_code == 400 and bad.json()["errors"]
    missing = await client.get(
        "/api/v1/exports/ledger?event=999&format=csv", headers=auth(world.auditor_token)
    )
    assert missing.status_code == 404


async def test_cli_export_writes_file_and_manifest(world, tmp_path):
    target = tmp_path / "journal.csv"
    result = subprocess.run(  # noqa: ASYNC221 - the real command line, once
        [
            sys.executable,
            "-m",
            "service",
            "export",
            "ledger",
            "--event",
            str(world.event_number),
            "--format",
            "csv",
            "-o",
            str(target),
        ],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "journal.csv.manifest.json").read_text())
    body = target.read_bytes()
    assert manifest["sha256"] == hashlib.sha256(body).hexdigest()
    _, rows = parse("csv", body)
    assert manifest["rows"] == len(rows)
    assert (
        manifest["debit_total_fen"]
        == manifest["credit_total_fen"]
        == sum(int(r["debit_fen"]) for r in rows)
    )
