"""``Blocking``: any object of the async client, usable from plain threads without ``await``."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterator, Mapping
from types import TracebackType
from typing import Any, Generic, TypeVar

from ._context import HeldContext
from ._portal import PortalThread
from ._pump import iterate

__all__ = ["Blocking", "blocking_value"]

T = TypeVar("T")


class Blocking(Generic[T]):
    """An object of the async client (a manager, a pager, a download...) for synchronous code.

    Every call runs on the client's event loop thread and waits for it there. What comes back
    is converted by the same rules at every level:

    * a coroutine is awaited: ``leads.get(id)`` returns the :class:`~zcrm_async.Record`;
    * an async iterable or iterator (a pager, ``pages()``, a download's ``iter_bytes()``)
      becomes a plain iterator for a ``for`` loop;
    * an async context manager (a streamed download) becomes a plain one, for ``with``;
    * an awaitable that is not a coroutine (a pager) gets :meth:`first_page`;
    * another object with async methods (a manager, a download) becomes a ``Blocking`` too;
    * anything else (records, pages, models, numbers, lists) is returned as it is.

    Errors are the client's own exception objects, raised unchanged. Names starting with
    ``_`` are not forwarded, and ``__wrapped__`` is the async object behind the proxy (use it
    only on the loop, through :meth:`ZohoCRM.run <zcrm_async.blocking.ZohoCRM.run>`).
    Attribute access is typed ``Any``: Python's type system cannot derive "this class with
    its coroutines made plain" from a class.

    The blocking client makes these; you do not create them yourself.

    Args:
        wrapped: The async object.
        portal: The event loop thread it runs on.
    """

    def __init__(self, wrapped: T, portal: PortalThread) -> None:
        self.__wrapped__ = wrapped
        self._portal = portal

    def __repr__(self) -> str:
        return f"Blocking({self.__wrapped__!r})"

    def __dir__(self) -> list[str]:
        public = (name for name in dir(self.__wrapped__) if not name.startswith("_"))
        return sorted({*super().__dir__(), *public})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        target = self.__wrapped__
        if _is_computed(target, name):  # a property runs its code on the loop, like a call
            value = self._portal.call(_get, target, name)
        else:
            value = getattr(target, name)
        if callable(value) and not isinstance(value, type):
            return _blocking_callable(value, self._portal)
        return blocking_value(value, self._portal)


class _IterableProxy(Blocking[T]):
    """An async iterable (a pager): each ``iter()`` starts a new iteration."""

    def __iter__(self) -> Iterator[Any]:
        return iterate(self._portal, self.__wrapped__, self._convert)  # type: ignore[arg-type]

    def _convert(self, value: Any) -> Any:
        return blocking_value(value, self._portal)


class _IteratorProxy(_IterableProxy[T]):
    """An async iterator (``pages()``, ``iter_bytes()``): one pass, ``next()`` works."""

    def __init__(self, wrapped: T, portal: PortalThread) -> None:
        super().__init__(wrapped, portal)
        self._items: Generator[Any, None, None] | None = None

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        if self._items is None:
            self._items = iterate(self._portal, self.__wrapped__, self._convert)  # type: ignore[arg-type]
        return next(self._items)

    def close(self) -> None:
        """Stop iterating early: the async iterator is closed on the loop."""
        if self._items is not None:
            self._items.close()


class _ContextProxy(Blocking[T]):
    """An async context manager, as a plain one: ``with`` enters and exits it on the loop."""

    def __init__(self, wrapped: T, portal: PortalThread) -> None:
        super().__init__(wrapped, portal)
        self._held: list[HeldContext] = []

    def __enter__(self) -> Any:
        held = HeldContext(self.__wrapped__, self._portal)  # type: ignore[arg-type]
        value = held.enter()
        self._held.append(held)
        return blocking_value(value, self._portal)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        return self._held.pop().exit((exc_type, exc, tb))


class _AwaitableProxy(Blocking[T]):
    """An awaitable that is not a coroutine, such as a pager (``await pager``: its first page)."""

    def first_page(self) -> Any:
        """What ``await`` gives in async code: for a pager, its first :class:`~zcrm_async.Page`."""
        return blocking_value(self._portal.call(_await, self.__wrapped__), self._portal)


async def _get(target: Any, name: str) -> Any:
    return getattr(target, name)


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


async def _invoke(
    func: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> Any:
    result = func(*args, **kwargs)
    if inspect.iscoroutine(result):
        result = await result
    return result


def _unwrap(value: Any) -> Any:
    return value.__wrapped__ if isinstance(value, Blocking) else value


def _blocking_callable(func: Callable[..., Any], portal: PortalThread) -> Callable[..., Any]:
    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        args = tuple(_unwrap(arg) for arg in args)
        kwargs = {key: _unwrap(value) for key, value in kwargs.items()}
        return blocking_value(portal.call(_invoke, func, args, kwargs), portal)

    return call


def _is_computed(target: Any, name: str) -> bool:
    """True if reading ``target.name`` runs code (a property or another data descriptor)."""
    try:
        static = inspect.getattr_static(target, name)
    except AttributeError:
        return True  # supplied by a __getattr__: that is code too
    if inspect.isfunction(static) or isinstance(static, (staticmethod, classmethod)):
        return False
    return hasattr(type(static), "__get__") and not callable(static)


def _has_async_methods(cls: type) -> bool:
    for klass in cls.__mro__:
        for name, member in vars(klass).items():
            if name.startswith("_"):
                continue
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if not callable(member):
                continue
            function = inspect.unwrap(member)  # an @asynccontextmanager method unwraps too
            if inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function):
                return True
    return False


#: Per class: the proxy class for its instances, or None to hand them over unchanged.
_PROXY_TYPES: dict[type, type[Blocking[Any]] | None] = {}


def _proxy_type(cls: type) -> type[Blocking[Any]] | None:
    try:
        return _PROXY_TYPES[cls]
    except KeyError:
        proxy = _PROXY_TYPES[cls] = _choose_proxy_type(cls)
        return proxy


def _choose_proxy_type(cls: type) -> type[Blocking[Any]] | None:
    kinds: list[type[Blocking[Any]]] = []
    if hasattr(cls, "__anext__"):
        kinds.append(_IteratorProxy)
    elif hasattr(cls, "__aiter__"):
        kinds.append(_IterableProxy)
    if hasattr(cls, "__aenter__") and hasattr(cls, "__aexit__"):
        kinds.append(_ContextProxy)
    if hasattr(cls, "__await__") and not issubclass(cls, Coroutine):
        kinds.append(_AwaitableProxy)
    if len(kinds) > 1:
        return type(f"Blocking{cls.__name__}", tuple(kinds), {})
    if kinds:
        return kinds[0]
    return Blocking if _has_async_methods(cls) else None


def blocking_value(value: Any, portal: PortalThread) -> Any:
    """``value`` as synchronous code receives it (see :class:`Blocking`)."""
    if value is None or isinstance(value, Blocking):
        return value
    proxy = _proxy_type(type(value))
    return value if proxy is None else proxy(value, portal)
