"""The short pledge code donors write in a bank transfer's remark (付款附言)."""

from __future__ import annotations

import re
import uuid

CODE_RE = re.compile(r"MS[0-9A-F]{8}", re.IGNORECASE)
"""A pledge code anywhere in a text (a bank statement's remark)."""


def pledge_code(pledge_id: uuid.UUID) -> str:
    """`MS` and the first eight hex digits of the pledge's id, upper case."""
    return f"MS{pledge_id.hex[:8].upper()}"
