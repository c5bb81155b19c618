"""Layers import only downward, and no module imports itself back through another.

cli → (scale_across, sweep, export, netbox, configs, lab, verify) → (fabric, corridor) → (spec, catalog, io,
schemas) → (errors, units). Every import counts, at module level or inside a function: a lazy import is still a
dependency. Packages of one layer may use each other as long as the packages stay acyclic.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1] / "aifabric"

LAYERS = {
    "errors": 0, "units": 0,
    "spec": 1, "catalog": 1, "io": 1, "schemas": 1, "data": 1,
    "fabric": 2, "corridor": 2,
    "scale_across": 3, "sweep": 3, "export": 3, "netbox": 3, "configs": 3, "lab": 3, "verify": 3,
    "cli": 4, "__main__": 4,
}

# No circle is allowed (runs are built from the link table's helpers, never the other way round).
KNOWN_CYCLES: list[set[str]] = []


def _modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _graph() -> nx.DiGraph:
    modules = _modules()

    def resolve(name: str) -> str:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name

    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for module, path in modules.items():
        package = module.rpartition(".")[0] if path.name != "__init__.py" else module
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base
                                                                                                    else []))
                if base.startswith("aifabric"):
                    for alias in node.names:
                        graph.add_edge(module, resolve(f"{base}.{alias.name}"))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("aifabric"):
                        graph.add_edge(module, resolve(alias.name))
    graph.remove_edges_from(nx.selfloop_edges(graph))
    return graph


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_package_has_a_layer():
    """A new package is placed in a layer on purpose, here."""
    packages = {_package(m) for m in _modules()} - {""}
    assert packages <= set(LAYERS), f"packages without a layer: {sorted(packages - set(LAYERS))}"


def test_no_upward_import():
    """No module imports a package of its own layer's ceiling or above, except within its package."""
    upward = []
    for a, b in _graph().edges:
        pa, pb = _package(a), _package(b)
        if pa and pb and pa != pb and LAYERS[pb] > LAYERS[pa]:
            upward.append(f"{a} -> {b}")
    assert not upward, "upward imports:\n" + "\n".join(sorted(upward))


def test_packages_are_acyclic():
    """Packages of one layer may use each other, never in a circle."""
    graph = nx.DiGraph()
    for a, b in _graph().edges:
        pa, pb = _package(a), _package(b)
        if pa and pb and pa != pb:
            graph.add_edge(pa, pb)
    assert list(nx.simple_cycles(graph)) == []


def test_no_import_cycle_between_modules():
    """No module reaches itself through its imports (the known circle aside, listed above)."""
    cycles = [set(c) for c in nx.strongly_connected_components(_graph()) if len(c) > 1]
    unexpected = [sorted(c) for c in cycles if c not in KNOWN_CYCLES]
    assert not unexpected, f"import cycles: {unexpected}"


def test_the_scanner_sees_a_cycle_and_an_upward_import():
    """The checks above can fail: the graph has the edges a cycle and an upward import would add."""
    graph = _graph()
    assert graph.has_edge("aifabric.cli.fabric", "aifabric.cli.options")
    assert graph.has_edge("aifabric.fabric.graph", "aifabric.fabric.rows")
    assert not graph.has_edge("aifabric.fabric.graph", "aifabric.export.fabric_rows")
    graph.add_edge("aifabric.export.fabric_rows", "aifabric.cli.main")
    graph.add_edge("aifabric.cli.main", "aifabric.export.fabric_rows")
    assert any(len(c) > 1 and "aifabric.cli.main" in c for c in nx.strongly_connected_components(graph))
