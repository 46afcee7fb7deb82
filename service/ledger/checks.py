"""Comparing the ledger with the source records, and the periodic check
(docs/architecture.md, Money invariants 5).

Every figure the ledger derives per project (and per edition's general fund) is computed
a second time from the records that caused the postings: pledges, payments, refunds,
matching allocations, disbursements and reallocations. Any difference is a finding; the
periodic check writes a LedgerCheck row and raises an "alert.ledger" outbox message.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from service.db import write_transaction
from service.events.tables import Event
from service.ledger.balances import FundFigures, event_fund_figures_from_entries
from service.ledger.running import balance_findings
from service.ledger.services import head, verify_chain
from service.ledger.tables import LedgerCheck, LedgerEntry
from service.outbox.services import enqueue

log = logging.getLogger("minsheng.ledger")

COMPARED = (
    "pledged",
    "received",
    "outstanding",
    "matched",
    "refunded",
    "disbursed",
    "fees",
    "reallocated",
    "balance",
)

_PLEDGES_SQL = """
SELECT project,
       SUM(CASE WHEN status IN ('cancelled', 'lapsed') THEN paid ELSE amount END) AS pledged,
       SUM(CASE WHEN status IN ('cancelled', 'lapsed') THEN 0 ELSE amount - paid END)
           AS outstanding,
       SUM(fees) AS fees
FROM (
    SELECT pl.id, pl.project AS project, pl.status AS status, pl.amount_fen AS amount,
           COALESCE(SUM(py.amount_fen), 0) AS paid, COALESCE(SUM(py.fee_fen), 0) AS fees
    FROM pledge pl
    LEFT JOIN payment py ON py.pledge = pl.id AND py.status = 'succeeded'
    WHERE pl.event = {}
    GROUP BY pl.id, pl.project, pl.status, pl.amount_fen
) per_pledge
GROUP BY project
"""

_REFUNDS_SQL = """
SELECT pl.project AS project, SUM(r.amount_fen) AS total
FROM refund r JOIN payment py ON py.id = r.payment JOIN pledge pl ON pl.id = py.pledge
WHERE pl.event = {} AND r.status = 'succeeded'
GROUP BY pl.project
"""

_MATCHED_SQL = """
SELECT x.project AS project, SUM(x.amount_fen) AS total FROM (
    SELECT m.project, m.amount_fen FROM match_allocation m
    UNION ALL SELECT r.project, -r.amount_fen FROM match_release r
) x JOIN project p ON p.id = x.project
WHERE p.event = {} GROUP BY x.project
"""

_DISBURSED_SQL = """
SELECT d.project AS project, SUM(d.amount_fen) AS total
FROM disbursement d JOIN project p ON p.id = d.project
WHERE p.event = {} AND d.status = 'paid' GROUP BY d.project
"""

_REALLOCATED_SQL = """
SELECT r.project AS project, r.target_project AS target, SUM(r.amount_fen) AS total
FROM fund_reallocation r JOIN project p ON p.id = r.project
WHERE p.event = {} GROUP BY r.project, r.target_project
"""

_POOLS_SQL = """
SELECT mp.id AS pool,
       CASE WHEN mp.funded_at IS NULL THEN 0 ELSE mp.total_fen END - mp.allocated_fen
         AS unallocated,
       COALESCE((SELECT -SUM(e.amount_fen) FROM ledger_entry e
                 JOIN ledger_account a ON a.id = e.account
                 WHERE a.code = 'pool:e' || mp.event || ':pool' || mp.id), 0) AS ledger
FROM matching_pool mp WHERE mp.event = {}
"""


async def source_fund_figures(event_id: int) -> dict[int | None, FundFigures]:
    """The same figures as `event_fund_figures_from_entries`, from the source records alone."""
    raw: dict[int | None, dict[str, int]] = {}

    def add(project: int | None, name: str, value: object) -> None:
        bucket = raw.setdefault(project, {})
        bucket[name] = bucket.get(name, 0) + int(value or 0)

    for row in await LedgerEntry.raw(_PLEDGES_SQL, event_id):
        for name in ("pledged", "outstanding", "fees"):
            add(row["project"], name, row[name])
    for sql, name in (
        (_REFUNDS_SQL, "refunded"),
        (_MATCHED_SQL, "matched"),
        (_DISBURSED_SQL, "disbursed"),
    ):
        for row in await LedgerEntry.raw(sql, event_id):
            add(row["project"], name, row["total"])
    for row in await LedgerEntry.raw(_REALLOCATED_SQL, event_id):
        add(row["project"], "reallocated", row["total"])
        add(row["target"], "reallocated", -int(row["total"] or 0))  # None: the general fund
    return {key: FundFigures(**values) for key, values in raw.items()}


def _label(event_number: int, project: int | None) -> str:
    where = "general fund" if project is None else f"project {project}"
    return f"event {event_number} {where}"


async def compare_event(event_id: int, event_number: int) -> list[str]:
    """Findings for one edition: every figure where the ledger and the sources differ."""
    ledger = await event_fund_figures_from_entries(event_id)
    sources = await source_fund_figures(event_id)
    findings = []
    empty = FundFigures()
    keys = sorted(set(ledger) | set(sources), key=lambda k: (k is None, k or 0))
    for key in keys:
        from_ledger, from_sources = ledger.get(key, empty), sources.get(key, empty)
        for name in COMPARED:
            a, b = getattr(from_ledger, name), getattr(from_sources, name)
            if a != b:
                findings.append(
                    f"{_label(event_number, key)}: {name} is {a} fen in the ledger "
                    f"but {b} fen in the source records"
                )
    for row in await LedgerEntry.raw(_POOLS_SQL, event_id):
        if int(row["ledger"]) != int(row["unallocated"]):
            findings.append(
                f"event {event_number} matching pool {row['pool']}: {row['ledger']} fen "
                f"unallocated in the ledger but {row['unallocated']} fen in the pool record"
            )
    return findings


async def compare_all_events() -> list[str]:
    """Every account's running balance against its entries, then every edition's
    figures (summed over the entries) against the source records."""
    findings = [f"running balance: {finding}" for finding in await balance_findings()]
    for event in await Event.select(Event.id, Event.number).order_by(Event.number):
        findings.extend(await compare_event(event["id"], event["number"]))
    return findings


@dataclass
class CheckResult:
    ok: bool
    head_hash: str
    findings: list[str] = field(default_factory=list)


async def run_ledger_check(*, chain: bool = True) -> CheckResult:
    """The periodic check: the hash chain (optional) and every edition against its
    sources. Records a LedgerCheck row; on any finding, an alert in the outbox."""
    started = dt.datetime.now(dt.UTC)  # everything committed before this is covered
    findings: list[str] = []
    if chain:
        report = await verify_chain()
        findings.extend(f"hash chain: {problem}" for problem in report.problems)
    findings.extend(await compare_all_events())
    seq, head_hash = await head()
    result = CheckResult(ok=not findings, head_hash=head_hash, findings=findings)
    async with write_transaction():
        check = LedgerCheck(
            ok=result.ok,
            head_hash=head_hash,
            findings="\n".join(findings),
            checked_through=started,
        )
        await check.save()
        if not result.ok:
            await enqueue(
                "alert.ledger",
                {
                    "check_id": check.id,
                    "head_seq": seq,
                    "head_hash": head_hash,
                    "findings": findings[:50],
                    "count": len(findings),
                },
                dedupe_key=f"alert.ledger:{check.id}",
            )
    if result.ok:
        log.info("ledger check ok at head %s (seq %s)", head_hash, seq)
    else:
        log.error("ledger check found %d difference(s): %s", len(findings), "; ".join(findings[:5]))
    return result
