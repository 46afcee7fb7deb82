"""Which pledge a statement credit most likely pays, and why.

Three rules, strongest first:
1. a pledge code (MS + 8 hex) in the remark. Banks upper-case remarks, drop or add
   spaces and cut long remarks short, so the remark is folded (NFKC, upper case, no
   spaces or dashes) and a code cut to 6 or 7 hex digits still names its pledge when no
   other open pledge shares that prefix (4 or 5 digits: proposed, never certain);
2. the payer's name equals a donor's name or receipt title and the amount equals that
   pledge's exact outstanding amount;
3. a wallet order remark carrying a donor's name, with the exact outstanding amount
   (wallets mask the payer's name, so the payer writes it in the remark).
A proposal is "certain" (safe to confirm in bulk) only for rules 1 (≥ 6 digits) and 2,
and only when exactly one open pledge fits.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

CODE_RE = re.compile(r"MS([0-9A-F]{4,8})")
FULL_CODE = 8
CERTAIN_PREFIX = 6


@dataclass(frozen=True)
class Candidate:
    id: uuid.UUID
    code: str
    """MS + 8 upper-case hex digits."""
    outstanding_fen: int
    names: frozenset[str]
    """Normalised donor display name and receipt title."""


@dataclass(frozen=True)
class Proposal:
    pledge_id: uuid.UUID
    reason: str
    certain: bool


def fold(text: str) -> str:
    """A remark as banks may have rewritten it: NFKC, upper case, no separators."""
    return re.sub(r"[\s\-_.·・/]+", "", unicodedata.normalize("NFKC", text or "")).upper()


def normal_name(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


@dataclass
class CandidateIndex:
    by_code: dict[str, Candidate] = field(default_factory=dict)
    by_prefix: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    by_name: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    by_amount: dict[int, list[Candidate]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def build(cls, candidates: Iterable[Candidate]) -> CandidateIndex:
        index = cls()
        for candidate in candidates:
            hex_part = candidate.code[2:]
            index.by_code[hex_part] = candidate
            for length in range(4, FULL_CODE):
                index.by_prefix[hex_part[:length]].append(candidate)
            for name in candidate.names:
                if name:
                    index.by_name[name].append(candidate)
            index.by_amount[candidate.outstanding_fen].append(candidate)
        return index


def _by_code(amount_fen: int, remark: str, index: CandidateIndex) -> Proposal | None:
    for digits in CODE_RE.findall(fold(remark)):
        if len(digits) == FULL_CODE and digits in index.by_code:
            candidate = index.by_code[digits]
            if candidate.outstanding_fen >= amount_fen:
                return Proposal(candidate.id, f"附言中的认捐编号 {candidate.code}", True)
            continue
        prefix = digits[: FULL_CODE - 1]
        fitting = [c for c in index.by_prefix.get(prefix, []) if c.outstanding_fen >= amount_fen]
        if len(fitting) == 1:
            # 8 digits that name no pledge are a typo, not a cut: propose, never certain
            certain = CERTAIN_PREFIX <= len(digits) < FULL_CODE
            return Proposal(
                fitting[0].id,
                f"附言中被截断的认捐编号 MS{prefix}… 只对应 {fitting[0].code}",
                certain,
            )
    return None


def propose(amount_fen: int, payer: str, remark: str, index: CandidateIndex) -> Proposal | None:
    """The proposal for one credit line, or None when nothing (or more than one) fits."""
    found = _by_code(amount_fen, remark, index)
    if found is not None:
        return found
    name = normal_name(payer)
    if name:
        exact = [c for c in index.by_name.get(name, []) if c.outstanding_fen == amount_fen]
        if len(exact) == 1:
            return Proposal(exact[0].id, "付款人姓名与未付金额一致", True)
    folded = normal_name(remark)
    if folded:
        named = [
            c
            for c in index.by_amount.get(amount_fen, [])
            if any(len(n) >= 2 and n in folded for n in c.names)
        ]
        if len(named) == 1:
            return Proposal(named[0].id, "附言中的姓名与未付金额一致", False)
    return None
