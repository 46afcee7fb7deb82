"""What the statement services hand back to pages and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportOutcome:
    account_id: int
    account_name: str
    import_id: int
    layout: str
    lines: int = 0
    new_credits: int = 0
    new_debits: int = 0
    known: int = 0
    proposed: int = 0
    certain: int = 0


@dataclass
class BulkOutcome:
    applied: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    """(entry id, why) for certain proposals that could not be applied."""
