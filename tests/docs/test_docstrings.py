"""Every public callable documents its parameters, its result and the errors it raises.

The public surface is walked from the objects themselves: the names of ``__all__`` of
``zcrm_async`` and of its public subpackages, then every class a public method or property
returns (so every manager reachable as ``crm.<manager>`` and every mixin method it inherits).
Each public function and method has a Google-style docstring with:

- ``Args:`` naming every parameter but ``self``/``cls``; ``**options`` (the per-call request
  options) is named too, always with the one sentence :data:`OPTIONS_DOC` that points at
  ``RequestOptionsDict``, where the options are documented once;
- ``Returns:`` unless it returns None; ``Yields:`` for a generator (``Yields:`` or
  ``Returns:`` for a function that returns an iterator);
- ``Raises:`` naming every SDK error its body raises (``raise SomeError(...)``, or
  ``raise f(...)`` where ``f`` is annotated to return one), by that class or a base of it;
  every name listed there must be an exception class (the package's, a builtin, or a dotted
  name such as ``aiohttp.web.HTTPUnauthorized``).

A class with a hand-written ``__init__`` (not attrs/dataclass fields, not a manager built on
the client's session) names every constructor argument in its docstring's ``Args:``.
"""

from __future__ import annotations

import ast
import builtins
import collections.abc
import dataclasses
import functools
import importlib
import inspect
import pkgutil
import re
import sys
import textwrap
import typing
import warnings
from collections.abc import Callable, Iterator
from typing import Any, Unpack

import pytest

import zcrm_async
import zcrm_async.integrations
from zcrm_async import EmptyResultError, InvalidArgumentError, ZCRMError

#: The one sentence every ``**options: Unpack[RequestOptionsDict]`` parameter is documented with.
OPTIONS_DOC = (
    "**options: Per-call request options (``timeout``, ``max_retries``, ``headers``, "
    "``params``); see :class:`~zcrm_async.RequestOptionsDict`."
)

#: The public modules: the package, its public subpackages, and every public integration.
PUBLIC_MODULES = (
    "zcrm_async",
    "zcrm_async.testing",
    "zcrm_async.blocking",
    "zcrm_async.pipelines",
    "zcrm_async.incremental",
    "zcrm_async.integrations",
    *(
        f"zcrm_async.integrations.{info.name}"
        for info in pkgutil.iter_modules(zcrm_async.integrations.__path__)
        if not info.name.startswith("_")
    ),
    "zcrm_async.stores",
    "zcrm_async.bulk",
)

_SECTION = re.compile(r"^(\w[\w ]*):\s*$")
_ENTRY = re.compile(r"^(\*{0,2}[\w.]+)(?:\s*\([^)]*\))?:(?:\s|$)")
#: How the docs build (griffe, Google style) reads a Returns/Yields line as ``name: text``; a
#: description must not start that way (e.g. "A :class:`Pager` of ...": use ``Pager``).
_NAMED_VALUE = re.compile(r"^(\w+)?\s*(\(.+\))?:")
_ITERATORS = (
    collections.abc.Iterator,
    collections.abc.AsyncIterator,
    collections.abc.Generator,
    collections.abc.AsyncGenerator,
)


def _ours(obj: object) -> bool:
    return (getattr(obj, "__module__", None) or "").startswith("zcrm_async")


def _module_names(name: str) -> list[str]:
    module = importlib.import_module(name)
    return list(getattr(module, "__all__", ()))


def _exports() -> Iterator[tuple[str, object]]:
    for name in PUBLIC_MODULES:
        module = importlib.import_module(name)
        for attr in _module_names(name):
            yield f"{name}.{attr}", getattr(module, attr)


def _sections(doc: str) -> dict[str, list[str]]:
    """Google-style sections: the title, then the lines of its first indented level."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    indent: int | None = None
    for line in doc.splitlines():
        if not line.strip():
            continue
        stripped = line.lstrip()
        depth = len(line) - len(stripped)
        title = _SECTION.match(line) if depth == 0 else None
        if title:
            current = found.setdefault(title.group(1), [])
            indent = None
            continue
        if depth == 0:
            current = None
            continue
        if current is None:
            continue
        if indent is None:
            indent = depth
        if depth == indent:
            current.append(stripped)
    return found


def _names(lines: list[str]) -> list[str]:
    """The entry names of an Args/Raises section's lines (``name:`` or ``name (type):``)."""
    return [match.group(1) if (match := _ENTRY.match(line)) else line for line in lines]


@functools.cache
def _package_names() -> dict[str, object]:
    """Every class and alias the loaded package modules define, by name: what a module imports
    only for type checkers resolves from here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # a deprecated alias module
        for info in pkgutil.walk_packages(zcrm_async.__path__, "zcrm_async."):
            if not info.name.endswith("__main__"):
                importlib.import_module(info.name)
    names: dict[str, object] = {}
    for module_name, module in sorted(sys.modules.items()):
        if module_name.startswith("zcrm_async") and module is not None:
            for name, value in vars(module).items():
                if isinstance(value, type) or typing.get_origin(value) is not None:
                    names.setdefault(name, value)
    return names


def _hints(func: Callable[..., Any]) -> dict[str, Any]:
    func = inspect.unwrap(func)
    try:
        return typing.get_type_hints(func, include_extras=True)
    except Exception:  # a name imported only for type checkers
        scope = {**_package_names(), **getattr(func, "__globals__", {})}
        try:
            return typing.get_type_hints(func, globalns=scope, include_extras=True)
        except Exception:
            return {}


def _classes_in(annotation: object) -> Iterator[type]:
    if isinstance(annotation, type) and not typing.get_args(annotation):
        yield annotation
    origin = typing.get_origin(annotation)
    if isinstance(origin, type):
        yield origin
    for arg in typing.get_args(annotation):
        yield from _classes_in(arg)


def _is_options(param: inspect.Parameter, hints: dict[str, Any]) -> bool:
    if param.kind is not inspect.Parameter.VAR_KEYWORD:
        return False
    hint = hints.get(param.name)
    if hint is not None:
        args = typing.get_args(hint)
        return bool(args) and args[0] is zcrm_async.RequestOptionsDict
    return "RequestOptionsDict" in str(param.annotation)


def _returns_nothing(func: Callable[..., Any], hints: dict[str, Any]) -> bool:
    if "return" in hints:
        return hints["return"] is type(None)
    return str(inspect.signature(func).return_annotation) in {"None", "'None'"}


def _iterates(hints: dict[str, Any]) -> bool:
    origin = typing.get_origin(hints.get("return"))
    return isinstance(origin, type) and issubclass(origin, _ITERATORS)


def _raised(func: Callable[..., Any]) -> set[type[BaseException]]:
    """The SDK errors the body raises by name (or through a helper annotated to return one)."""
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return set()
    tree = ast.parse(source)
    scope = getattr(inspect.unwrap(func), "__globals__", {})
    found: set[type[BaseException]] = set()
    body = tree.body[0]
    nested = {
        id(node)
        for outer in ast.walk(body)
        if outer is not body and isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef))
        for node in ast.walk(outer)
    }
    for node in ast.walk(body):
        if not isinstance(node, ast.Raise) or node.exc is None or id(node) in nested:
            continue
        target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if not isinstance(target, ast.Name):
            continue
        value = scope.get(target.id)
        if isinstance(value, type) and issubclass(value, ZCRMError):
            found.add(value)
        elif callable(value) and not isinstance(value, type):
            ret = _hints(value).get("return")
            if isinstance(ret, type) and issubclass(ret, ZCRMError):
                found.add(ret)
    return found


def _exception(name: str) -> type[BaseException] | None:
    module_name, _, short = name.strip("`~").rpartition(".")
    if module_name:
        try:
            value = getattr(importlib.import_module(module_name), short, None)
        except ImportError:
            value = None
        if isinstance(value, type) and issubclass(value, BaseException):
            return value
    for space in (zcrm_async, zcrm_async.bulk, builtins):
        value = getattr(space, short, None)
        if isinstance(value, type) and issubclass(value, BaseException):
            return value
    return None


def _check(where: str, func: Callable[..., Any], doc: str | None, *, skip_first: bool) -> list[str]:
    if not doc:
        return [f"{where}: no docstring"]
    problems: list[str] = []
    sections = _sections(doc)
    hints = _hints(func)
    params = list(inspect.signature(func).parameters.values())
    if skip_first and params:
        params = params[1:]
    named = {entry.lstrip("*") for entry in _names(sections.get("Args", []))}
    for param in params:
        if param.name not in named:
            problems.append(f"{where}: Args does not name {param.name!r}")
        elif _is_options(param, hints) and OPTIONS_DOC not in " ".join(doc.split()):
            problems.append(f"{where}: **options is not documented with the shared sentence")
    for entry in named - {p.name for p in params}:
        problems.append(f"{where}: Args names {entry!r}, which is no parameter")
    if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
        if "Yields" not in sections:
            problems.append(f"{where}: no Yields section")
    elif _iterates(hints):
        if not {"Yields", "Returns"} & set(sections):
            problems.append(f"{where}: no Yields (or Returns) section")
    elif not _returns_nothing(func, hints) and "Returns" not in sections:
        problems.append(f"{where}: no Returns section")
    for title in ("Returns", "Yields"):
        lines = sections.get(title)
        if lines and _NAMED_VALUE.match(lines[0]):
            problems.append(f"{where}: the docs would read {lines[0]!r} as a named {title} value")
    listed: list[type[BaseException]] = []
    for entry in _names(sections.get("Raises", [])):
        exc = _exception(entry)
        if exc is None:
            problems.append(f"{where}: Raises names {entry!r}, which is no exception")
        else:
            listed.append(exc)
    for exc in _raised(func):
        if not any(issubclass(exc, doc_exc) for doc_exc in listed):
            problems.append(f"{where}: raises {exc.__name__}, not in Raises")
    return problems


def _callables(cls: type) -> Iterator[tuple[str, Callable[..., Any], bool]]:
    """Public methods (own and inherited from the package's classes) and properties' getters:
    ``(name, function, is_method)``, ``is_method`` False for properties and static methods."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        if not _ours(klass):
            continue
        for name, raw in vars(klass).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            if isinstance(raw, property) and raw.fget is not None:
                yield name, raw.fget, False
            elif isinstance(raw, functools.cached_property):
                yield name, raw.func, False
            elif isinstance(raw, (staticmethod, classmethod)):
                yield name, raw.__func__, isinstance(raw, classmethod)
            elif inspect.isfunction(raw):
                yield name, raw, True


def _property_names(cls: type) -> set[str]:
    return {
        name
        for klass in cls.__mro__
        for name, raw in vars(klass).items()
        if isinstance(raw, (property, functools.cached_property))
    }


def _hand_written_init(cls: type) -> Callable[..., Any] | None:
    """The ``__init__`` a user calls with documented arguments: written in the package (not
    generated by attrs or dataclasses, whose fields are the class's attributes), and not one
    that takes the client's internal session (managers are reached through the client)."""
    if dataclasses.is_dataclass(cls) or hasattr(cls, "__attrs_attrs__"):
        return None
    if getattr(cls, "_is_protocol", False) or issubclass(cls, BaseException):
        return None
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is None:
            continue
        if not _ours(klass) or not inspect.isfunction(init):
            return None
        if "session" in inspect.signature(init).parameters:
            return None
        return init
    return None


def _surface() -> dict[str, object]:
    """Qualified name -> object, for the exports and every class their API hands back."""
    found: dict[str, object] = {}
    pending: list[object] = [obj for _, obj in _exports()]
    seen_classes: set[type] = set()
    while pending:
        obj = pending.pop()
        if isinstance(obj, type):
            if obj in seen_classes or not _ours(obj):
                continue
            seen_classes.add(obj)
            found[f"{obj.__module__}.{obj.__qualname__}"] = obj
            for _, func, _ in _callables(obj):
                for cls in _classes_in(_hints(func).get("return")):
                    if _ours(cls) and not issubclass(cls, BaseException):
                        pending.append(cls)
        elif inspect.isfunction(obj) and _ours(obj):
            found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


def _doc(obj: object) -> str | None:
    raw = getattr(obj, "__doc__", None)
    return inspect.cleandoc(raw) if raw else None


def _problems(surface: dict[str, object] | None = None) -> list[str]:
    """Every gap, each function named once (where it is defined, e.g. in a mixin)."""
    problems: list[str] = []
    checked: set[int] = set()

    def check(func: Callable[..., Any], *, is_method: bool, doc: str | None = None) -> None:
        if id(func) in checked:
            return
        checked.add(id(func))
        where = f"{func.__module__}.{func.__qualname__}"
        problems.extend(_check(where, func, doc or _doc(func), skip_first=is_method))

    for where, obj in sorted((surface or _surface()).items()):
        if not isinstance(obj, type):
            check(obj, is_method=False)  # type: ignore[arg-type]
            continue
        if not inspect.getdoc(obj):
            problems.append(f"{where}: no docstring")
        if issubclass(obj, BaseException) or typing.is_typeddict(obj):
            continue
        init = _hand_written_init(obj)
        if init is not None and id(init) not in checked:
            checked.add(id(init))
            args = _sections(inspect.getdoc(obj) or "").get("Args", [])
            args += _sections(_doc(init) or "").get("Args", [])
            named = {entry.lstrip("*") for entry in _names(args)}
            for param in list(inspect.signature(init).parameters)[1:]:
                if param not in named:
                    problems.append(f"{where}: the class's Args do not name {param!r}")
        properties = _property_names(obj)
        for name, func, is_method in _callables(obj):
            if func.__name__ != name and not isinstance(func, functools.partial):
                continue  # an alias (``list = _list``): checked under its own name
            if name in properties:
                if not _doc(func):
                    problems.append(f"{where}.{name}: no docstring")
                continue
            check(func, is_method=is_method)
    return problems


def test_the_walk_reaches_every_manager_and_its_mixins() -> None:
    surface = _surface()
    client = zcrm_async.ZohoCRM
    managers = {
        cls
        for _, func, _ in _callables(client)
        for cls in _classes_in(_hints(func).get("return"))
        if cls.__module__.startswith(("zcrm_async.managers", "zcrm_async.bulk"))
    }
    assert len(managers) >= 20, managers  # crm.users, crm.org, ..., crm.records(module)
    for cls in managers:
        assert f"{cls.__module__}.{cls.__qualname__}" in surface
    from zcrm_async.managers.records import RecordsManager

    mixins = {func.__module__ for _, func, _ in _callables(RecordsManager)}
    assert {"zcrm_async.managers._record_mail", "zcrm_async.managers._record_actions"} <= mixins
    assert "zcrm_async.pipelines.upsert_in_chunks" in surface
    assert "zcrm_async.testing._fake.FakeZohoCRM" in surface


def _no_record(record_id: str) -> EmptyResultError:  # pragma: no cover - read, never run
    """An error a helper builds for its caller to raise."""
    raise NotImplementedError


async def _sample(
    self: object,
    record_id: str,
    *,
    fields: list[str],
    **options: Unpack[zcrm_async.RequestOptionsDict],
) -> int:  # pragma: no cover - read, never run
    """One line.

    Args:
        record_id: The id.
        **options: The per-call options.
        extra: Not a parameter.

    Raises:
        NoSuchError: Never.
    """
    if not record_id:
        raise _no_record(record_id)
    raise InvalidArgumentError("bad")


def _pages() -> Iterator[int]:  # pragma: no cover - read, never run
    """Pages, but no Yields section."""
    yield 1


def _count() -> int:  # pragma: no cover - read, never run
    """A count.

    Returns:
        The number of :class:`int` values counted.
    """
    return 0


def _first() -> int:  # pragma: no cover - read, never run
    """The first.

    Returns:
        A :class:`int`, read by the docs as a value named "A".
    """
    return 0


class _Built:
    """A class whose constructor arguments are not documented."""

    def __init__(self, path: str) -> None:  # pragma: no cover - read, never run
        self.path = path


_Built.__module__ = "zcrm_async.sample"


def test_the_checker_finds_what_a_docstring_leaves_out() -> None:
    problems = _check("s", _sample, _doc(_sample), skip_first=True)
    assert "s: Args does not name 'fields'" in problems
    assert "s: **options is not documented with the shared sentence" in problems
    assert "s: Args names 'extra', which is no parameter" in problems
    assert "s: no Returns section" in problems
    assert "s: Raises names 'NoSuchError', which is no exception" in problems
    assert "s: raises InvalidArgumentError, not in Raises" in problems
    assert "s: raises EmptyResultError, not in Raises" in problems  # via the helper's type
    assert "p: no Yields section" in _check("p", _pages, _doc(_pages), skip_first=False)
    assert _check("c", _count, _doc(_count), skip_first=False) == []
    assert _check("f", _first, _doc(_first), skip_first=False) == [
        "f: the docs would read 'A :class:`int`, read by the docs as a value named \"A\".' as a "
        "named Returns value"
    ]
    assert _problems({"zcrm_async.sample._Built": _Built}) == [
        "zcrm_async.sample._Built: the class's Args do not name 'path'"
    ]


def test_every_public_callable_documents_args_returns_and_raises() -> None:
    problems = _problems()
    assert not problems, f"{len(problems)} docstring gaps:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_public_modules_have_an_all(name: str) -> None:
    assert _module_names(name), f"{name} has no __all__ to walk"
