"""Bounded integers for JSON bodies and query parameters: a number that cannot fit its
column is a 400 naming the field, never a database error (a 500) when the query runs."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.params import PathParameter, QueryParameter

MAX_ROW_ID = 2**31 - 1
"""INTEGER and SERIAL columns (ids, edition numbers)."""

MAX_FEN = 2**53 - 1
"""Far above any real amount, inside BIGINT, and exact in every JSON client."""

RowId = Annotated[int, msgspec.Meta(gt=0, le=MAX_ROW_ID)]
Fen = Annotated[int, msgspec.Meta(ge=0, le=MAX_FEN)]
PositiveFen = Annotated[int, msgspec.Meta(gt=0, le=MAX_FEN)]

# Where the service checks the sign itself (with its own message), only the range is bounded.
AnyRowId = Annotated[int, msgspec.Meta(ge=-MAX_ROW_ID - 1, le=MAX_ROW_ID)]
AnyFen = Annotated[int, msgspec.Meta(ge=-MAX_FEN, le=MAX_FEN)]

# An event (届) by its public number: `?event=5` in a query, `/…/5` in a path.
EventNumber = Annotated[int, QueryParameter(gt=0, le=MAX_ROW_ID, description="Edition number")]
OptionalEventNumber = Annotated[
    int | None, QueryParameter(gt=0, le=MAX_ROW_ID, description="Edition number")
]
EventNumberInPath = Annotated[int, PathParameter(gt=0, le=MAX_ROW_ID, description="Edition number")]
OptionalProject = Annotated[
    int | None, QueryParameter(gt=0, le=MAX_ROW_ID, description="One project")
]
