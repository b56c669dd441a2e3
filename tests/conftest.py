"""Shared fixtures: the fake Zoho server, configs and clients wired to it; and the one place
that decides which async backends a test runs under.

The tests mirror the package: ``tests/_http/test_core.py`` holds the tests of
``zcrm_async/_http/_core.py``, ``tests/managers/`` those of ``zcrm_async/managers/``, and so
on; suites that cross modules (contract, parity, fidelity, cross_process, migration, docs) have
folders of their own.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

import zcrm_async as zc

# Locally a test missing something from outside the repository skips, saying what and how to get
# it; in CI (env CI set) any skip is a failure: green must mean every test ran.
from tests._external import pytest_runtest_makereport  # noqa: F401

if TYPE_CHECKING:
    from zcrm_async.testing import FakeZohoCRM

# Property tests check what is generated, not how fast: on a shared 2-core machine one example can
# take seconds, which Hypothesis's default 200 ms deadline would report as a (flaky) failure.
settings.register_profile("shared-machine", deadline=None)
settings.load_profile("shared-machine")

# The tests talk to servers on this machine only; a developer's proxy settings would send those
# calls through the proxy (the client honours them as httpx does). Tests of proxies set their own.
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_name, None)

#: Every async test runs under each of these, unless it is marked ``backends(...)``.
BACKENDS = ("asyncio", "trio")


@pytest.hookimpl(tryfirst=True)  # before the fixture's own parametrization (anyio's: module-wide)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each async test under asyncio and trio, or under the ones ``backends(...)`` names
    (for what only runs on asyncio: asyncmy, redis-py, ``asyncio.wait_for``...).

    A test that parametrizes ``anyio_backend`` itself (the docs' pages, which say per page which
    backend they need) is left as it is.
    """
    if "anyio_backend" not in metafunc.fixturenames:
        return
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0]
        listed = names.replace(" ", "").split(",") if isinstance(names, str) else list(names)
        if "anyio_backend" in listed:
            return
    chosen = metafunc.definition.get_closest_marker("backends")
    metafunc.parametrize("anyio_backend", chosen.args if chosen else BACKENDS)


@pytest.fixture
def fake() -> FakeZohoCRM:
    """A fresh in-process fake Zoho CRM."""
    from zcrm_async.testing import FakeZohoCRM

    return FakeZohoCRM()


@pytest.fixture
def fast_retry() -> zc.RetryPolicy:
    """Retries without the production delays, so fault tests run fast."""
    return zc.RetryPolicy(max_retries=3, initial_delay=0.001, max_delay=0.01)


@pytest.fixture
async def crm(fake: FakeZohoCRM, fast_retry: zc.RetryPolicy) -> AsyncIterator[zc.ZohoCRM]:
    """A client on the fake, in-memory store, tokens already generated for the fake's user."""
    async with zc.ZohoCRM(fake.config(), transport=fake.transport(), retry=fast_retry) as client:
        await client.oauth.generate_access_token(fake.issue_grant_code())
        yield client
