"""Dates are Hangzhou's (Asia/Shanghai), whatever zone the machine runs in."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from service import clock

ROOT = Path(__file__).resolve().parents[2]
LATE_EVENING_UTC = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)


def test_at_23_30_utc_it_is_already_tomorrow_in_hangzhou(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: LATE_EVENING_UTC)
    assert clock.today() == dt.date(2026, 12, 1)
    assert clock.local_date(dt.datetime(2026, 11, 30, 15, 59, tzinfo=dt.UTC)) == dt.date(
        2026, 11, 30
    )


def test_no_module_asks_the_machine_for_the_date():
    """`date.today()` is the machine's date (often UTC); `clock.today()` is Hangzhou's."""
    offenders = []
    for path in sorted((ROOT / "service").rglob("*.py")) + sorted((ROOT / "tasks").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "today"
                and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr == "date"
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
