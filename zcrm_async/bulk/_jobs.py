"""Waiting for a bulk job: poll with a growing interval, bounded by an overall timeout."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

from .._exceptions import BulkJobFailedError, BulkJobTimeoutError
from .._logging import log_error, logger
from ._models import PollPolicy

__all__ = ["job_failed", "poll_until_done"]

J = TypeVar("J")


async def poll_until_done(
    fetch: Callable[[], Awaitable[J]],
    state_of: Callable[[J], str],
    *,
    job_id: str,
    operation: str,
    finished: frozenset[str],
    policy: PollPolicy,
) -> J:
    """Fetch the job until its state is in ``finished``; return the last job seen.

    Raises :class:`BulkJobTimeoutError` (naming the job and its last state) after
    ``policy.timeout`` seconds. Cancellation of the caller stops the wait at once.
    """
    state = "not yet polled"
    delay = policy.interval
    try:
        with anyio.fail_after(policy.timeout):
            while True:
                job = await fetch()
                state = state_of(job)
                if state in finished:
                    return job
                logger.debug(
                    "bulk %s job %s is %s; next poll in %.2fs", operation, job_id, state, delay
                )
                await anyio.sleep(delay)
                delay = min(delay * policy.factor, policy.max_interval)
    except TimeoutError:
        assert policy.timeout is not None
        error = BulkJobTimeoutError(
            job_id=job_id, operation=operation, state=state, timeout=policy.timeout
        )
        log_error(error)
        raise error from None


def job_failed(
    job_id: str, operation: str, state: str, reason: str, job: object
) -> BulkJobFailedError:
    """The :class:`BulkJobFailedError` of a job that stopped without completing (logged)."""
    error = BulkJobFailedError(
        job_id=job_id, operation=operation, state=state, reason=reason, job=job
    )
    log_error(error)
    return error
