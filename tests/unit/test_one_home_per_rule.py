"""One home per rule (docs/architecture.md): a pledge's payable states, its status writes
and the posting of a received payment each live in one module. Read from the source, so a
second copy added anywhere fails here."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "service").rglob("*.py")) + sorted((ROOT / "tasks").rglob("*.py"))


def _where(predicate) -> set[str]:
    found = set()
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(predicate(node) for node in ast.walk(tree)):
            found.add(str(path.relative_to(ROOT)))
    return found


def _is_status_tuple(node: ast.AST) -> bool:
    """A literal tuple/list naming both payable statuses (a copy of PAYABLE)."""
    if not isinstance(node, ast.Tuple | ast.List):
        return False
    names = set()
    for elt in node.elts:
        if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
            names.add(elt.value)
        elif isinstance(elt, ast.Attribute) and elt.attr == "value":
            inner = elt.value
            if isinstance(inner, ast.Attribute):
                names.add(inner.attr)
    return {"pledged", "partially_paid"} <= names


def _writes_pledge_status(node: ast.AST) -> bool:
    """`{Pledge.status: …}` — the values of a Pledge.update."""
    return isinstance(node, ast.Dict) and any(
        isinstance(key, ast.Attribute)
        and key.attr == "status"
        and isinstance(key.value, ast.Name)
        and key.value.id == "Pledge"
        for key in node.keys
    )


def _posts_payment_received(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "payment_received"
    )


def test_the_payable_statuses_are_defined_once():
    assert _where(_is_status_tuple) == {"service/pledges/money.py"}


def test_only_the_money_module_writes_a_pledge_status():
    assert _where(_writes_pledge_status) == {"service/pledges/money.py"}


def test_every_provider_posts_a_received_payment_through_settle():
    assert _where(_posts_payment_received) == {"service/payments/settlement.py"}
