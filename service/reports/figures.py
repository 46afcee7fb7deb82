"""An edition's transparency figures at one ledger head.

Money comes from ledger entries of transactions up to the head's seq only, so a report
rebuilt at the same head gives the same figures, whatever was posted since. Receipts
and disclosure states are taken as they stood when the head was posted. The result is
plain JSON values in a fixed order; `canonical()` is what the stored hash covers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from service.clock import local_date
from service.disclosure.calendar import calendars
from service.ledger.balances import FundFigures, event_total
from service.ledger.tables import LedgerEntry, LedgerTransaction
from service.matching.tables import MatchingPool
from service.projects.tables import Project
from service.receipts.tables import Receipt
from service.reports.records import ChainHead

_TOTALS_AT_HEAD = """
SELECT a.type AS type, a.project AS project, SUM(e.amount_fen) AS total
FROM ledger_entry e
JOIN ledger_transaction t ON t.id = e."transaction"
JOIN ledger_account a ON a.id = e.account
LEFT JOIN project p ON p.id = a.project
WHERE (p.event = {} OR (a.project IS NULL AND a.event = {})) AND t.seq <= {}
  AND a.type <> 'pool'
GROUP BY a.type, a.project
"""

_POOLS_AT_HEAD = """
SELECT a.code AS code, SUM(e.amount_fen) AS total
FROM ledger_entry e
JOIN ledger_transaction t ON t.id = e."transaction"
JOIN ledger_account a ON a.id = e.account
WHERE a.type = 'pool' AND a.event = {} AND t.seq <= {}
GROUP BY a.code
"""

_FUNDED_AT_HEAD = """
SELECT t.key AS key, SUM(CASE WHEN e.amount_fen < 0 THEN -e.amount_fen ELSE 0 END) AS total
FROM ledger_transaction t JOIN ledger_entry e ON e."transaction" = t.id
WHERE t.kind = 'pool_funded' AND t.event = {} AND t.seq <= {}
GROUP BY t.key
"""


def _money(f: FundFigures) -> dict[str, int]:
    return {
        "raised": f.received,
        "pledged": f.pledged,
        "matched": f.matched,
        "refunded": f.refunded,
        "fees": f.fees,
        "disbursed": f.disbursed,
        "reallocated": f.reallocated,
        "balance": f.balance,
    }


async def head_at(seq: int) -> ChainHead:
    row = (
        await LedgerTransaction.select(
            LedgerTransaction.seq, LedgerTransaction.hash, LedgerTransaction.posted_at
        )
        .where(LedgerTransaction.seq == seq)
        .first()
    )
    if row is None:
        return {"seq": 0, "hash": "0" * 64, "posted_at": None}
    return row


async def report_figures(event_id: int, event_number: int, head_seq: int) -> dict[str, Any]:
    head = await head_at(head_seq)
    as_of: dt.datetime | None = head["posted_at"]
    day = local_date(as_of) if as_of else dt.date(1970, 1, 1)
    totals: dict[int | None, dict[str, int]] = {}
    for row in await LedgerEntry.raw(_TOTALS_AT_HEAD, event_id, event_id, head_seq):
        totals.setdefault(row["project"], {})[row["type"]] = int(row["total"])
    figures = {key: FundFigures.from_account_totals(value) for key, value in totals.items()}
    projects = (
        await Project.select(Project.id, Project.title, Project.status, Project.target_fen)
        .where(Project.event == event_id)
        .order_by(Project.id)
    )
    dates = await calendars([p["id"] for p in projects], day, posted_before=as_of)
    project_rows = []
    for p in projects:
        f = figures.get(p["id"], FundFigures())
        if p["status"] in ("draft", "submitted", "changes_requested", "rejected") and not f.pledged:
            continue
        calendar = dates[p["id"]]
        project_rows.append(
            {
                "id": p["id"],
                "title": p["title"],
                "status": p["status"],
                "target": p["target_fen"],
                **_money(f),
                "disclosure": calendar.state,
                "overdue": [d.due_on.isoformat() for d in calendar.overdue],
            }
        )
    pools = []
    unallocated = {
        row["code"]: -int(row["total"])
        for row in await LedgerEntry.raw(_POOLS_AT_HEAD, event_id, head_seq)
    }
    funded = {
        row["key"]: int(row["total"])
        for row in await LedgerEntry.raw(_FUNDED_AT_HEAD, event_id, head_seq)
    }
    for pool in (
        await MatchingPool.select(
            MatchingPool.id, MatchingPool.name, MatchingPool.sponsor.name.as_alias("sponsor")
        )
        .where(MatchingPool.event == event_id)
        .order_by(MatchingPool.id)
    ):
        paid_in = funded.get(f"pool:{pool['id']}:funded", 0)
        left = unallocated.get(f"pool:e{event_id}:pool{pool['id']}", 0)
        pools.append(
            {
                "id": pool["id"],
                "name": pool["name"],
                "sponsor": pool["sponsor"],
                "funded": paid_in,
                "allocated": paid_in - left,
                "unallocated": left,
            }
        )
    receipts = {"issued": 0, "issued_fen": 0, "voided": 0, "declined": 0}
    if as_of is not None:
        for r in await Receipt.select(
            Receipt.number, Receipt.amount_fen, Receipt.status, Receipt.voided_at
        ).where((Receipt.event == event_id) & (Receipt.issued_at <= as_of)):
            if r["number"] <= 0:
                receipts["declined"] += 1
                continue
            receipts["issued"] += 1
            receipts["issued_fen"] += r["amount_fen"]
            if r["voided_at"] is not None and r["voided_at"] <= as_of:
                receipts["voided"] += 1
    general = figures.get(None, FundFigures())
    states = [row["disclosure"] for row in project_rows]
    return {
        "event": event_number,
        "ledger_head": {"seq": head["seq"], "hash": head["hash"]},
        "as_of": day.isoformat(),
        "totals": _money(event_total(figures)),
        "general_fund": _money(general),
        "projects": project_rows,
        "disclosure": {state: states.count(state) for state in sorted(set(states))},
        "receipts": receipts,
        "matching_pools": pools,
    }


def canonical(figures: dict[str, Any]) -> str:
    return json.dumps(figures, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(figures: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(figures).encode()).hexdigest()
