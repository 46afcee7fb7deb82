"""Matching abuse rules: the gifts a sponsor's match is withheld from until an organizer
looks (the 2018 99 Giving Day fraud — thousands of accounts, bursts of more than five gifts
a minute, gifts split to stay under the per-gift cap).

One donor is every donor row sharing the gift's donor id, e-mail, phone or name, and every
gift paid from the same bank account or under the same payer name on a statement line: a
fraud ring opens many donor records, but they pay with the same contact or under the same
name. Masked payer names and accounts (wallet exports: 张**, 138****0000) identify nobody.
A rule never refuses: it holds the match for review (release or refuse, with a reason).
Times are when the money moved (a bank transfer's value date), not when it was recorded,
so an organizer entering a week of transfers at once does not look like a burst.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from service.donors.tables import Donor
from service.matching.records import Gift, PoolRow, SameDonorGift
from service.settings import get_settings

_SAME_DONOR_SQL = """
SELECT pay.id AS id, pay.amount_fen AS amount_fen,
       COALESCE(pay.settled_at, pay.created_at) AS at
FROM payment pay
JOIN pledge pl ON pl.id = pay.pledge
JOIN donor d ON d.id = pl.donor
WHERE pl.event = {} AND pay.status = 'succeeded' AND pay.id <> {}
  AND (d.id = {} OR (d.email IS NOT NULL AND lower(d.email) = {})
       OR (d.phone IS NOT NULL AND d.phone = {}) OR d.display_name = {} /*payer*/)
"""
_SAME_PAYER_SQL = """
       OR pay.id IN (SELECT se.payment FROM statement_entry se WHERE se.payment IS NOT NULL
                     AND (se.payer_account = {} OR se.payer = {}))"""
_PAYER_SQL = """
SELECT se.payer AS payer, se.payer_account AS payer_account FROM statement_entry se
WHERE se.payment = {} OR substr(se.line_key, 1, 40) = {}
"""
STATEMENT_REFERENCE = "stmt:"
"""A statement line's payment carries `stmt:` + the line key's first 40 characters as its
provider reference (statements.services.settle_entry), and is linked to the line only after
it settled — so the line of the gift being matched is found by that reference."""
PLACEHOLDER_NAMES = frozenset({"匿名", "爱心人士", "无名氏", "好心人", "anonymous"})
"""Names many different people type when they would rather not give one: not an identity."""


@dataclass(frozen=True)
class Hold:
    rule: str
    """burst | split"""
    detail: str


def _placeholder(name: str) -> bool:
    return len(name.strip()) < 2 or name.strip().lower() in PLACEHOLDER_NAMES


def _identifying(value: str | None, shortest: int = 2) -> str | None:
    """A payer's name or account as an identity, or None when it is masked or too short."""
    value = (value or "").strip()
    if len(value) < shortest or "*" in value or value.lower() in PLACEHOLDER_NAMES:
        return None
    return value


async def _payer(gift: Gift) -> tuple[str | None, str | None]:
    """(payer name, payer account) of the statement line the gift was paid by, if any."""
    reference = gift.get("provider_reference") or ""
    if not reference.startswith(STATEMENT_REFERENCE):
        return None, None
    rows = await Donor.raw(_PAYER_SQL, gift["id"], reference.removeprefix(STATEMENT_REFERENCE))
    if not rows:
        return None, None
    return _identifying(rows[0]["payer"]), _identifying(rows[0]["payer_account"], shortest=6)


def _moment(value: dt.datetime | str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _when(gift: Gift) -> dt.datetime:
    """When the money moved: settled_at (a bank transfer's value date), else recorded."""
    return _moment(gift["settled_at"] or gift["created_at"])


async def _same_donor_gifts(gift: Gift, since: dt.datetime) -> list[SameDonorGift]:
    donor = (
        await Donor.select(Donor.id, Donor.email, Donor.phone, Donor.display_name)
        .where(Donor.id == gift["donor"])
        .first()
    )
    if donor is None:
        return []
    args: list[object] = [
        gift["event"],
        gift["id"],
        donor["id"],
        (donor["email"] or "").strip().lower() or None,
        (donor["phone"] or "").strip() or None,
        None if _placeholder(donor["display_name"]) else donor["display_name"],
    ]
    payer, payer_account = await _payer(gift)
    sql = _SAME_DONOR_SQL.replace("/*payer*/", _SAME_PAYER_SQL if payer or payer_account else "")
    if payer or payer_account:
        args += [payer_account, payer]
    rows = await Donor.raw(sql, *args)
    until = _when(gift)
    # Compared here, not in SQL: SQLite hands timestamps back as text.
    found: list[SameDonorGift] = [{**row, "at": _moment(row["at"])} for row in rows]
    return [row for row in found if since < row["at"] <= until]


async def hold_for(pool: PoolRow, gift: Gift) -> Hold | None:
    """The rule the gift trips for this pool, or None when it may be matched."""
    settings = get_settings()
    at = _when(gift)
    window = dt.timedelta(seconds=max(settings.match_burst_window_s, settings.match_split_window_s))
    earlier = await _same_donor_gifts(gift, at - window)
    burst_since = at - dt.timedelta(seconds=settings.match_burst_window_s)
    in_burst = [g for g in earlier if g["at"] > burst_since]
    if len(in_burst) + 1 > settings.match_burst_max:
        return Hold(
            "burst",
            f"{len(in_burst) + 1} gifts from one donor within "
            f"{settings.match_burst_window_s} s (more than {settings.match_burst_max})",
        )
    cap = pool["cap_per_gift_fen"]
    if cap is not None and gift["amount_fen"] <= cap:
        split_since = at - dt.timedelta(seconds=settings.match_split_window_s)
        parts = [g for g in earlier if g["at"] > split_since and g["amount_fen"] <= cap]
        total = gift["amount_fen"] + sum(g["amount_fen"] for g in parts)
        if parts and total > cap:
            return Hold(
                "split",
                f"{len(parts) + 1} gifts from one donor, each within the {cap} fen cap per "
                f"gift, together {total} fen within {settings.match_split_window_s} s",
            )
    return None
