"""The facade is one generic proxy: a manager it has never seen works without any edit."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.lowlevel
import pytest

import zcrm_async as zc
from zcrm_async.blocking import Blocking, ZohoCRM
from zcrm_async.testing import FakeZohoCRM

from .conftest import LOOP_THREAD


class Handle:
    """What the widget manager's context manager yields: an object with async methods."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    async def read(self) -> str:
        await anyio.lowlevel.checkpoint()
        self.events.append(f"read on {threading.current_thread().name}")
        return "contents"


class Widgets:
    """A manager added after the facade was written: coroutines, pagers, streams, contexts."""

    def __init__(self, crm: zc.ZohoCRM) -> None:
        self.crm = crm
        self.events: list[str] = []

    async def get(self, number: int) -> dict[str, Any]:
        await anyio.lowlevel.checkpoint()
        return {"number": number, "thread": threading.current_thread().name}

    async def fail(self) -> None:
        await anyio.lowlevel.checkpoint()
        raise zc.NotFoundError(404, "NO_WIDGET", "no such widget", {})

    def all(self) -> zc.Pager[int]:
        async def fetch(params: dict[str, Any]) -> zc.Page[int]:
            page = int(params.get("page", 1))
            more = page < 3
            return zc.Page([page * 10 + n for n in range(3)], zc.PageInfo(more_records=more))

        return zc.Pager(fetch, {})

    async def stream(self, fail_after: int | None = None) -> AsyncIterator[int]:
        for n in range(5):
            if n == fail_after:
                raise zc.ServerError(500, "INTERNAL_ERROR", "widget stream broke", {})
            await anyio.lowlevel.checkpoint()
            yield n

    @asynccontextmanager
    async def opened(self) -> AsyncIterator[Handle]:
        self.events.append("enter")
        try:
            yield Handle(self.events)
        except Exception as exc:
            self.events.append(f"saw {type(exc).__name__}")
            raise
        finally:
            self.events.append("exit")

    @property
    def where(self) -> str:
        return threading.current_thread().name


@pytest.fixture
def widgets(monkeypatch: pytest.MonkeyPatch, fake: FakeZohoCRM) -> Any:
    made: list[Widgets] = []

    def widgets(self: zc.ZohoCRM) -> Widgets:
        made.append(Widgets(self))
        return made[-1]

    monkeypatch.setattr(zc.ZohoCRM, "widgets", property(widgets), raising=False)
    with ZohoCRM(fake.config(), transport=fake.transport()) as crm:
        yield crm.widgets, made


def test_coroutines_pagers_streams_and_contexts_of_a_new_manager(widgets: Any) -> None:
    manager, made = widgets
    assert isinstance(manager, Blocking)
    assert manager.get(7) == {"number": 7, "thread": LOOP_THREAD}  # awaited on the loop
    assert manager.where == LOOP_THREAD  # properties run there too
    assert list(manager.all()) == [10, 11, 12, 20, 21, 22, 30, 31, 32]
    assert manager.all().first_page().items == [10, 11, 12]
    assert list(manager.stream()) == [0, 1, 2, 3, 4]
    with manager.opened() as handle:
        assert isinstance(handle, Blocking)
        assert handle.read() == "contents"
    assert made[-1].events == ["enter", f"read on {LOOP_THREAD}", "exit"]


def test_a_new_managers_errors_keep_their_type_and_order(widgets: Any) -> None:
    manager, _ = widgets
    with pytest.raises(zc.NotFoundError) as error:
        manager.fail()
    assert error.value.code == "NO_WIDGET"
    seen = []
    with pytest.raises(zc.ServerError, match="widget stream broke"):
        for n in manager.stream(fail_after=3):
            seen.append(n)
    assert seen == [0, 1, 2]  # the items before the error, then the error


def test_an_error_in_a_with_block_reaches_the_async_context(widgets: Any) -> None:
    manager, made = widgets
    with pytest.raises(KeyError), manager.opened():
        raise KeyError("inside")
    assert made[-1].events == ["enter", "saw KeyError", "exit"]
