"""The blocking facade on the fake; no test may leave an event loop thread behind."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

import zcrm_async as zc
from zcrm_async.blocking import ZohoCRM
from zcrm_async.testing import FakeZohoCRM

LOOP_THREAD = "zcrm-blocking"


def loop_threads() -> list[threading.Thread]:
    """The blocking clients' event loop threads alive now."""
    return [thread for thread in threading.enumerate() if thread.name == LOOP_THREAD]


@pytest.fixture(autouse=True)
def no_loop_thread_left() -> Iterator[None]:
    before = set(loop_threads())
    yield
    deadline = time.monotonic() + 10
    while set(loop_threads()) - before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not set(loop_threads()) - before, "a blocking client's event loop thread survived"


@pytest.fixture
def crm(fake: FakeZohoCRM, fast_retry: zc.RetryPolicy) -> Iterator[ZohoCRM]:
    """A blocking client on the in-process fake, with tokens for the fake's user."""
    with ZohoCRM(fake.config(), transport=fake.transport(), retry=fast_retry) as client:
        client.oauth.generate_access_token(fake.issue_grant_code())
        yield client
