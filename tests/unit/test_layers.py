"""The import graph keeps its layers (docs/architecture.md, "Layers"): no cycles, and no
module imports from a layer above its own. Imports inside functions count too — a lazy
import is still a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BASE = {
    "service",
    "service.settings",
    "service.clock",
    "service.money",
    "service.errors",
    "service.bounds",
    "service.columns",
    "service.logging",
    "service.i18n",
    "service.db",
    "service.locks",
    "service.stores",
    "service.piccolo_conf",
    "service.domains",
}
"""Foundations every layer may use: settings, clock, money, errors, the database."""
ENTRY_POINTS = {"service.app", "service.cli", "service.__main__", "service.admin"}
"""Composition roots: they wire web, CLI, tasks and services together."""
WEB = {"service.web.errors", "service.web.locale", "service.web.sessions", "service.health"}
LAYERS = ("base", "tables", "services", "controllers/tasks", "entry points")


def layer(module: str) -> int:
    """0 base ← 1 tables ← 2 services ← 3 controllers and tasks ← 4 entry points."""
    parts = module.split(".")
    last = parts[-1]
    if module in BASE:
        return 0
    if module in ENTRY_POINTS:
        return 4
    if parts[0] == "tasks":
        return 3
    if last == "tables" or module == "service.piccolo_app":
        return 1
    if last == "controllers" or last.endswith(("_pages", "_api")) or module in WEB:
        return 3
    return 2


def modules() -> dict[str, Path]:
    found = {}
    for top in ("service", "tasks"):
        for path in (ROOT / top).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()

    def resolve(name: str | None) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                targets.add(base)
                targets.update(f"{base}.{alias.name}" for alias in node.names)
        resolved = {resolve(t) for t in targets}
        graph[module] = {t for t in resolved if t and t != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_lazy_and_relative_imports():
    graph = import_graph()
    assert "service.outbox.relay_hooks" in graph["tasks.runner"]
    assert "service.db" in graph["service.cli"]  # imported inside run()
    assert "tasks.outbox" in graph["service.app"]  # the app wires the relay at start-up


def test_there_is_no_import_cycle():
    assert cycles(import_graph()) == []


def test_no_module_imports_from_a_higher_layer():
    upward = [
        f"{module} ({LAYERS[layer(module)]}) imports {target} ({LAYERS[layer(target)]})"
        for module, targets in sorted(import_graph().items())
        for target in sorted(targets)
        if layer(target) > layer(module)
    ]
    assert upward == []


def test_controllers_and_tasks_do_not_import_each_other():
    crossing = [
        f"{module} imports {target}"
        for module, targets in sorted(import_graph().items())
        for target in sorted(targets)
        if layer(module) == layer(target) == 3
        and module.partition(".")[0] != target.partition(".")[0]
    ]
    assert crossing == []


def test_a_cycle_and_an_upward_import_are_caught():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer("service.outbox.services") < layer("tasks.outbox")
    assert layer("service.pledges.tables") < layer("service.pledges.money")
    assert layer("service.pledges.money") < layer("service.pledges.controllers")


def test_every_domain_package_is_in_the_one_list_routes_and_tables_come_from():
    from service import domains

    packages = {
        path.parent.name
        for path in (ROOT / "service").glob("*/__init__.py")
        if (path.parent / "controllers.py").exists() or (path.parent / "tables.py").exists()
    }
    assert packages == set(domains.DOMAINS)
