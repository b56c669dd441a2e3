"""The package's shape: no private reach-through, and one table of public names kept in step."""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import zcrm_async as zc

PACKAGE = Path(zc.__file__).parent
REFERENCE = PACKAGE.parent / "docs" / "pages" / "api"


#: The documented API of named tuples, underscored only so that it cannot clash with a field.
NAMEDTUPLE_API = frozenset({"_asdict", "_field_defaults", "_fields", "_make", "_replace"})


def _private(name: str) -> bool:
    dunder = name.startswith("__") and name.endswith("__")
    return name.startswith("_") and not dunder and name not in NAMEDTUPLE_API


def _defined_here(tree: ast.Module) -> set[str]:
    """Private names this module defines itself: its functions, classes, module variables,
    class attributes and ``self._x`` attributes. Using them on other objects of the same
    module (``other._text`` inside its class) is the module's own business."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {name for name in names if _private(name)}


def _is_module(package: Path, module: str | None, level: int, name: str) -> bool:
    """Whether ``from <module> import <name>`` (relative ``level``) names a module file."""
    base = package
    for _ in range(level - 1):
        base = base.parent
    if module:
        base = base.joinpath(*module.split("."))
    return (base / f"{name}.py").exists() or (base / name / "__init__.py").exists()


def private_reach_through() -> Iterator[str]:
    """``from m import _x`` and ``obj._x`` (obj not self/cls) of a private name another module
    defines, in every module of the package. Importing a private *module* is fine."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        own = _defined_here(tree)
        where = path.relative_to(PACKAGE.parent)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if _private(alias.name) and not _is_module(
                        path.parent, node.module, node.level, alias.name
                    ):
                        yield f"{where}:{node.lineno} from {node.module} import {alias.name}"
            elif isinstance(node, ast.Attribute) and _private(node.attr):
                owner = node.value
                if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                    continue
                if node.attr not in own:
                    yield f"{where}:{node.lineno} {ast.unparse(node)}"


def test_no_module_reaches_into_another_modules_private_names() -> None:
    found = list(private_reach_through())
    assert not found, "use (or add) a public name instead:\n" + "\n".join(found)


def test_the_check_sees_reach_through() -> None:
    source = "from .m import _x\nvalue = obj._hidden\nclass A:\n    def f(self): self._own = 1\n"
    tree = ast.parse(source)
    assert _defined_here(tree) == {"_own"}
    flagged = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and _private(node.attr)
        and node.attr not in _defined_here(tree)
    ]
    assert flagged == ["obj._hidden"]


def _init_tree() -> ast.Module:
    return ast.parse((PACKAGE / "__init__.py").read_text("utf-8"))


def _type_checking_imports(tree: ast.Module) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for child in node.body:
                if isinstance(child, ast.ImportFrom):
                    for alias in child.names:
                        found[alias.name] = "." * child.level + (child.module or "")
    return found


def _eager_imports(tree: ast.Module) -> set[str]:
    return {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.level > 0
        for alias in node.names
    }


def test_all_the_lazy_table_and_the_type_checking_imports_agree() -> None:
    tree = _init_tree()
    lazy = zc._LAZY
    assert _type_checking_imports(tree) == lazy, "the TYPE_CHECKING imports follow _LAZY_MODULES"
    public = set(zc.__all__)
    assert len(public) == len(zc.__all__), "a name is listed twice in __all__"
    assert public == _eager_imports(tree) | set(lazy) | {"__version__"}
    for name in zc.__all__:
        value = getattr(zc, name)  # loads every lazy module
        if name in lazy:
            module = importlib.import_module(lazy[name], "zcrm_async")
            assert getattr(module, name) is value


def _reference_entries() -> set[str]:
    entries: set[str] = set()
    for page in REFERENCE.glob("*.md"):
        entries |= set(re.findall(r"^::: zcrm_async\.(\w+)\s*$", page.read_text("utf-8"), re.M))
    return entries


def test_the_api_reference_documents_exactly_the_public_names() -> None:
    documented = _reference_entries()
    public = {name for name in zc.__all__ if not name.startswith("__")}
    missing = sorted(public - documented)
    assert not missing, f"add '::: zcrm_async.<name>' to docs/pages/api/*.md: {missing}"
    stale = sorted(documented - public)
    assert not stale, f"these reference entries name no public name: {stale}"
