"""The ledger API's JSON bodies (msgspec)."""

from __future__ import annotations

import msgspec

from service.projects.schemas import Totals


class ProjectBalance(msgspec.Struct):
    project_id: int | None
    title: str
    totals: Totals


class Balances(msgspec.Struct):
    event: int
    head_seq: int
    head_hash: str
    total: Totals
    projects: list[ProjectBalance]
