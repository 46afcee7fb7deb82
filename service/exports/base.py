"""The one base class for exports: a subclass names its columns and yields rows; the
writers (writers.py) turn rows into CSV, XLSX or JSON and the manifest adds them up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Scope:
    """What an export covers: one edition, optionally one project, up to a chain head."""

    event_id: int
    event_number: int
    project_id: int | None
    through_seq: int
    """Ledger transactions after this position (posted during the export) are left out."""


class Exporter:
    """Subclasses set `identifier`, `title`, `columns` and implement `rows()`.

    `money_columns` are integer fen and summed in the manifest; `debit_column` and
    `credit_column` name the columns whose totals must be equal for a ledger export.
    """

    identifier: ClassVar[str]
    title: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]
    money_columns: ClassVar[tuple[str, ...]] = ()
    debit_column: ClassVar[str | None] = None
    credit_column: ClassVar[str | None] = None

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def rows(self) -> AsyncIterator[tuple[Any, ...]]:
        raise NotImplementedError

    def copy_csv_sql(self) -> tuple[tuple[str, list[Any]], tuple[str, list[Any]]] | None:
        """Optionally, (SELECT giving the CSV cells in column order, aggregate SELECT of
        count(*) and the money columns' sums): lets PostgreSQL write the CSV itself."""
        return None

    async def count(self) -> int | None:
        """Rows the export will have, for a progress bar; None when unknown."""
        return None

    def filename(self, extension: str) -> str:
        project = f"-project{self.scope.project_id}" if self.scope.project_id else ""
        return (
            f"minsheng-event{self.scope.event_number}-{self.identifier}{project}"
            f"-seq{self.scope.through_seq}.{extension}"
        )
