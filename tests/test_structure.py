"""The package's shape stays readable: short functions, a pipeline that only orders the
stages, and no module importing one that imports it (see DESIGN.md's data flow)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bot_analysis"
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (the scenario generator aside)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if "scenario" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports, at the top or inside functions (``if
    TYPE_CHECKING`` blocks included: they are imports a reader follows too)."""
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                prefix = base[: len(base) - node.level + 1]
                target = ".".join(prefix + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # "from . import x" imports x, not (again) the package it is in
            names = [f"{target}.{a.name}" for a in node.names]
            candidates = [*names, target] if node.module else names
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        found.update(c for c in candidates if c in known and c != name)
    return found


def test_no_function_is_longer_than_a_screenful():
    long = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {lines} lines")
    assert not long, long


def test_the_pipeline_only_orders_the_stages():
    assert len((PACKAGE / "pipeline.py").read_text("utf-8").splitlines()) < 250


def test_no_module_imports_one_that_imports_it():
    """No import cycle of any length between the package's modules."""
    import networkx as nx

    modules = _modules()
    graph = nx.DiGraph(
        (name, target)
        for name, path in modules.items()
        for target in _imports(name, path, set(modules))
    )
    cycles = [" -> ".join(c) for c in nx.simple_cycles(graph)]
    assert not cycles, cycles


@pytest.mark.parametrize("stage", ["neardup", "coordination", "campaigns", "ingest", "report"])
def test_each_stage_is_one_package(stage: str):
    assert (PACKAGE / stage / "__init__.py").exists()
