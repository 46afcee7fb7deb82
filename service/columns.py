"""Column helpers shared by every domain's tables."""

from __future__ import annotations

from typing import Any

from piccolo.columns import BigInt, ForeignKey, OnDelete, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow


def money(help_text: str, **kwargs: Any) -> BigInt:
    """An amount in integer fen (CNY cents); never a float or Numeric."""
    return BigInt(help_text=f"{help_text} (integer fen)", **kwargs)


def created_at() -> Timestamptz:
    return Timestamptz(default=TimestamptzNow(), help_text="When the row was created (UTC).")


def restrict_fk(references: Any, help_text: str, null: bool = False, **kwargs: Any) -> ForeignKey:
    """A foreign key that refuses to delete what money rows point at."""
    return ForeignKey(
        references=references,
        on_delete=OnDelete.restrict,
        null=null,
        help_text=help_text,
        index=True,
        **kwargs,
    )
