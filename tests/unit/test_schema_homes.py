"""One home per shape (README, "Architecture"): a domain's JSON bodies live in its
`schemas.py`, never inline in a controller; its row records live in `records.py`, which
sits low enough that services, controllers and tasks may all import it."""

from __future__ import annotations

import ast

from tests.unit.test_layers import import_graph, layer, modules


def _is_body_class(node: ast.ClassDef) -> bool:
    bases = {ast.unparse(base) for base in node.bases}
    decorators = {ast.unparse(d).split("(")[0] for d in node.decorator_list}
    return bool(
        bases & {"msgspec.Struct", "Struct"} or decorators & {"dataclass", "dataclasses.dataclass"}
    )


def test_controllers_define_no_bodies_of_their_own():
    inline = [
        f"{name}.{node.name}"
        for name, path in sorted(modules().items())
        if name.startswith("service.")
        and name.rpartition(".")[2].endswith(("controllers", "_pages", "_api"))
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.ClassDef) and _is_body_class(node)
    ]
    assert inline == []


def test_records_import_no_tables_services_or_controllers():
    graph = import_graph()
    records = [name for name in graph if name.endswith(".records")]
    assert records, "no records module found"
    low = [
        f"{name} imports {target}"
        for name in sorted(records)
        for target in sorted(graph[name])
        if target.startswith("service.")
        and (layer(target) == 1 or layer(target) >= 3 or target.endswith((".services", ".queries")))
    ]
    assert low == []
