"""One exception tree: every class in _exceptions.py, drawn in its docstring, all ZCRMErrors."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import zcrm_async as zc
from zcrm_async import _exceptions

PACKAGE = Path(zc.__file__).parent
#: The fake server is test tooling with exceptions of its own, never raised to SDK users.
OUTSIDE_THE_SDK = ("testing",)


def sdk_modules() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] not in OUTSIDE_THE_SDK
    ]


def test_every_exception_class_of_the_sdk_is_in_the_one_module() -> None:
    found = []
    for path in sdk_modules():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                ast.unparse(base).endswith(("Error", "Exception")) for base in node.bases
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.name}")
    elsewhere = [f for f in found if not f.startswith("_exceptions.py:")]
    # The CLI's UsageError and the SQL stores' schema probes never leave their module.
    assert elsewhere == [
        "cli/_main.py:UsageError",
        "stores/mysql.py:_SchemaPrivilegeError",
        "stores/postgres.py:_SchemaPrivilegeError",
    ]


def test_the_docstring_draws_every_class_of_the_tree() -> None:
    doc = _exceptions.__doc__ or ""
    classes = [
        name
        for name, value in vars(_exceptions).items()
        if inspect.isclass(value) and issubclass(value, zc.ZCRMError) and value.__name__ == name
    ]
    assert len(classes) >= 25
    missing = [name for name in classes if f" {name} " not in doc and f" {name}\n" not in doc]
    assert not missing, f"draw these in the tree of zcrm_async/_exceptions.py: {missing}"
    for name in classes:
        assert getattr(zc, name) is getattr(_exceptions, name)  # and each is public


def test_the_sdk_raises_no_bare_value_or_type_error() -> None:
    bare = []
    for path in sdk_modules():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            # raise ValueError(...), or return ValueError(...) from a helper that builds it
            value = node.exc if isinstance(node, ast.Raise) else None
            if isinstance(node, ast.Return):
                value = node.value
            if isinstance(value, ast.Call):
                name = ast.unparse(value.func)
                if name in ("ValueError", "TypeError"):
                    bare.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {name}")
    assert not bare, f"raise InvalidArgumentError / InvalidArgumentTypeError instead: {bare}"


def test_argument_errors_are_sdk_errors_and_builtin_ones() -> None:
    assert issubclass(zc.InvalidArgumentError, zc.ZCRMError)
    assert issubclass(zc.InvalidArgumentError, ValueError)
    assert issubclass(zc.InvalidArgumentTypeError, TypeError)
    assert issubclass(zc.InvalidArgumentTypeError, zc.InvalidArgumentError)
    assert issubclass(zc.BulkWriteInputError, zc.InvalidArgumentError)
    assert issubclass(zc.ConfigError, ValueError)


@pytest.mark.anyio
async def test_a_malformed_search_criteria_is_caught_as_a_zcrm_error(crm: zc.ZohoCRM) -> None:
    leads = crm.records("Leads")
    with pytest.raises(zc.ZCRMError) as info:
        leads.search(criteria="(Last_Name:equals:Smith")  # unbalanced parenthesis
    assert isinstance(info.value, ValueError)
    with pytest.raises(zc.ZCRMError):
        leads.search(criteria=zc.Criteria("Last_Name", "equals", "x"), email="a@example.com")
    with pytest.raises(zc.ZCRMError):
        await leads.get("not-an-id")
    with pytest.raises(zc.InvalidArgumentTypeError):
        await leads.create([["not", "a", "dict"]])  # type: ignore[list-item]


def test_the_former_names_are_aliases() -> None:
    assert zc.BulkWriteError is zc.WriteFailedError
    assert zc.BulkResult is zc.WriteResults
