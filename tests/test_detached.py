"""Detached work runs in the context variables of the task that started it, on every backend."""

from __future__ import annotations

import contextvars

import pytest

from zcrm_async._detached import Detached

pytestmark = pytest.mark.anyio

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="none")


async def test_detached_work_sees_the_starters_context_variables() -> None:
    detached = Detached()

    async def work() -> str:
        seen = request_id.get()
        request_id.set("changed inside")  # a copy: the starter's value stays
        return seen

    token = request_id.set("req-42")
    try:
        assert await detached.run(work) == "req-42"
        assert request_id.get() == "req-42"
    finally:
        request_id.reset(token)
    assert await detached.run(work) == "none"
    await detached.aclose(grace=1)
