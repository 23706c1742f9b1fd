"""The layout's promises, checked on the import graph (README "How it works"): no import cycle,
moto imported only behind its door (``mocklambda._moto``), and every import pointing down the
pipeline's layers. TYPE_CHECKING imports count too: a cycle hidden behind them is still a cycle."""

from __future__ import annotations

import grimp
import pytest

# What each part may import (besides itself). Read top to bottom: the public API wires the
# pipeline to moto's adapters; the pipeline's steps use the pure core and the runtime; the core
# and the runtime use only the data model.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "_model": set(),
    "_core": {"_model", "errors"},
    "_runtime": {"_model", "errors"},
    "_ports": {"_core", "_model"},
    "_pipeline": {"_ports", "_core", "_runtime", "_model", "errors"},
    "_moto": {"_ports", "_core", "_model", "errors"},
    "_api": {"_moto", "_pipeline", "_runtime", "_core", "_model", "errors"},
    "pytest_plugin": {"_api", "_moto"},
    "server": {"_api", "_moto", "_model"},  # _model: JSON nested as deep as Invoke accepts
    "cli": {"server"},
    "__main__": {"cli"},
    "": {"_api", "_core", "_model", "errors"},  # mocklambda/__init__.py: the public names
}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("mocklambda", include_external_packages=True, cache_dir=None)


def _part(module: str) -> str:
    """``mocklambda._core.clock`` -> ``_core``; ``mocklambda`` -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _internal_edges(graph: grimp.ImportGraph) -> list[tuple[str, str]]:
    return [
        (module, imported)
        for module in sorted(graph.modules)
        if module == "mocklambda" or module.startswith("mocklambda.")
        for imported in sorted(graph.find_modules_directly_imported_by(module))
        if imported == "mocklambda" or imported.startswith("mocklambda.")
    ]


def test_moto_is_imported_only_inside_its_door(graph: grimp.ImportGraph) -> None:
    importers = graph.find_modules_that_directly_import("moto")
    outside = sorted(m for m in importers if m.startswith("mocklambda") and not m.startswith("mocklambda._moto"))
    assert importers, "the check sees no moto import at all: the graph is not what it should be"
    assert outside == [], f"moto imported outside mocklambda._moto: {outside}"


def test_every_import_points_down_the_layers(graph: grimp.ImportGraph) -> None:
    wrong = [
        f"{module} -> {imported}"
        for module, imported in _internal_edges(graph)
        if _part(module) != _part(imported) and _part(imported) not in ALLOWED[_part(module)]
    ]
    assert wrong == []


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    """Tarjan's strongly connected components over mocklambda's modules: each must be alone."""
    edges: dict[str, list[str]] = {}
    for module, imported in _internal_edges(graph):
        edges.setdefault(module, []).append(imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, []):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    assert cycles == []


def test_the_checks_would_catch_a_cycle() -> None:
    """The cycle finder itself: a graph with a cycle is reported (guards against a check that
    can never fail)."""

    class Fake:
        modules = {"mocklambda.a", "mocklambda.b"}

        @staticmethod
        def find_modules_directly_imported_by(module: str) -> set[str]:
            return {"mocklambda.b"} if module == "mocklambda.a" else {"mocklambda.a"}

    with pytest.raises(AssertionError):
        test_no_import_cycles(Fake())  # type: ignore[arg-type]
