"""The progress API's JSON bodies (msgspec)."""

from __future__ import annotations

import msgspec


class ReportCreated(msgspec.Struct):
    id: str
    status: str
