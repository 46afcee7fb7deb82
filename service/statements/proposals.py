"""Refreshing the proposal of every open credit (the rules are in matching.py)."""

from __future__ import annotations

from service.pledges.money import unpaid_pledges
from service.statements.matching import Candidate, CandidateIndex, normal_name, propose
from service.statements.tables import (
    StatementEntry,
)

Entry = StatementEntry
OPEN = (Entry.Status.unmatched.value, Entry.Status.proposed.value)


async def open_candidates() -> CandidateIndex:
    """Every pledge still owed (the one list, pledges.money.unpaid_pledges) with its
    outstanding amount, code and donor names."""
    return CandidateIndex.build(
        Candidate(
            id=p.id,
            code=p.code,
            outstanding_fen=p.outstanding_fen,
            names=frozenset(
                n for n in (normal_name(p.donor_name), normal_name(p.receipt_title)) if n
            ),
        )
        for p in await unpaid_pledges()
    )


async def propose_matches(account_id: int | None = None) -> tuple[int, int]:
    """Refresh the proposal of every open credit; (proposed, certain) counts."""
    where = Entry.status.is_in(list(OPEN)) & (Entry.direction == Entry.Direction.credit.value)
    if account_id is not None:
        where &= Entry.account == account_id
    rows = await Entry.select(
        Entry.id,
        Entry.amount_fen,
        Entry.payer,
        Entry.remark,
        Entry.status,
        Entry.proposed_pledge,
        Entry.proposal_reason,
        Entry.certain,
    ).where(where)
    if not rows:
        return 0, 0
    index = await open_candidates()
    proposed = certain = 0
    for row in rows:
        found = propose(row["amount_fen"], row["payer"], row["remark"], index)
        wanted = {
            "proposed_pledge": found.pledge_id if found else None,
            "proposal_reason": found.reason if found else "",
            "certain": bool(found and found.certain),
            "status": Entry.Status.proposed.value if found else Entry.Status.unmatched.value,
        }
        proposed += found is not None
        certain += wanted["certain"]
        if any(row[k] != v for k, v in wanted.items()):
            await Entry.update(
                {
                    Entry.proposed_pledge: wanted["proposed_pledge"],
                    Entry.proposal_reason: wanted["proposal_reason"],
                    Entry.certain: wanted["certain"],
                    Entry.status: wanted["status"],
                }
            ).where((Entry.id == row["id"]) & Entry.status.is_in(list(OPEN)))
    return proposed, certain
