"""The fake's modules meet at public names only, and none imports another that imports it."""

from __future__ import annotations

import ast
from pathlib import Path

import zcrm_async.testing

PACKAGE = Path(zcrm_async.testing.__file__).parent


def _trees() -> dict[str, ast.Module]:
    return {path.stem: ast.parse(path.read_text("utf-8")) for path in PACKAGE.glob("*.py")}


def _runtime_imports(tree: ast.Module) -> set[str]:
    """Sibling modules imported at run time (anywhere, functions included; not for typing)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.ImportFrom) and child.level == 1:
                if child.module:
                    found.add(child.module.split(".")[0])
                else:
                    found.update(alias.name for alias in child.names)
            visit(child)

    visit(tree)
    return found


def test_no_module_of_the_fake_imports_itself_round_about() -> None:
    graph = {name: _runtime_imports(tree) for name, tree in _trees().items()}
    cycles = []
    for start in graph:
        stack = [(start, [start])]
        while stack:
            module, path = stack.pop()
            for nxt in graph.get(module, ()):
                if nxt == start:
                    cycles.append(" -> ".join([*path, nxt]))
                elif nxt not in path:
                    stack.append((nxt, [*path, nxt]))
    assert cycles == []


def test_no_module_of_the_fake_reaches_into_another_ones_private_names() -> None:
    reaches = []
    for name, tree in _trees().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                reaches += [
                    f"{name}: from {node.module} import {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
            elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
                owner = node.value
                if node.attr.startswith("__") or (
                    isinstance(owner, ast.Name) and owner.id in ("self", "cls")
                ):
                    continue
                reaches.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    assert reaches == []
