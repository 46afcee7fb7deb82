"""Refreshing the proposal of every open credit (the rules are in matching.py)."""

from __future__ import annotations

from service.payments.paid import paid_by_pledge
from service.pledges.tables import Pledge
from service.statements.matching import Candidate, CandidateIndex, normal_name, propose
from service.statements.tables import (
    StatementEntry,
)

Entry = StatementEntry
OPEN = (Entry.Status.unmatched.value, Entry.Status.proposed.value)
PAYABLE = (Pledge.Status.pledged.value, Pledge.Status.partially_paid.value)


async def open_candidates() -> CandidateIndex:
    """Every payable pledge with its outstanding amount, code and donor names."""
    from service.pledges.notify import pledge_code

    rows = await Pledge.select(
        Pledge.id,
        Pledge.amount_fen,
        Pledge.donor.display_name.as_alias("donor_name"),
        Pledge.donor.receipt_title.as_alias("receipt_title"),
    ).where(Pledge.status.is_in(list(PAYABLE)))
    paid = await paid_by_pledge([row["id"] for row in rows])
    return CandidateIndex.build(
        Candidate(
            id=row["id"],
            code=pledge_code(row["id"]),
            outstanding_fen=row["amount_fen"] - paid.get(row["id"], 0),
            names=frozenset(
                n for n in (normal_name(row["donor_name"]), normal_name(row["receipt_title"])) if n
            ),
        )
        for row in rows
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
