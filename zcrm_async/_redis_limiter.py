"""``RedisLimiter``: one org-wide concurrency limit shared by every worker, process and host.

Zoho's concurrency limit belongs to the org (5-25 calls in flight by edition, 10 for heavy
APIs), so workers that each run their own limiter send several times what it allows and live
on 429s. This limiter keeps the org's slots in Redis:

* **Slots with leases.** Each worker (one limiter object, i.e. one client) counts its held
  slots under its id and renews a lease on them (every third of ``lease`` while it holds any).
  A worker that dies — SIGKILL, a lost host — stops renewing; its slots come back ``lease``
  seconds later (5 s by default), handed out by whichever worker touches the limiter next
  (a waiting one does so at least once a second).
* **Waiting without polling.** A call that finds no free slot queues a ticket (a sorted set
  ordered by arrival) and waits in its worker's local queue; the worker's one tender blocks
  in ``BLPOP`` on the worker's grant list. A slot given back goes to the oldest ticket of the
  worker holding the fewest slots among those waiting (so the slots spread over the workers:
  by arrival alone, a worker whose calls queued first took every slot freed and ran the org's
  calls in one process while the others idled), and is pushed to that worker's list, which
  wakes exactly that worker: one command per hand-off, no herd of retries. A ticket serves
  whichever of its worker's calls waits longest, so a call that finds one of its worker's
  tickets still queued with nobody left to serve waits on that ticket without a round trip.
* **Slots reused in the worker.** A call that ends while another call of the same worker waits
  hands its slot straight to that call (no round trip, no hand-off between processes), at most
  ``handoffs`` times in a row; then the slot goes back to the org's queue, to whichever worker
  waits holding fewest. So a worker keeps a slot for at most ``handoffs + 1``
  calls while others wait, and nobody starves. A call that got 429 gives its slot back at once
  (its 429 is counted with it), and so does every call while this worker holds more slots than
  the limit it last saw. ``BLPOP`` returns at least once a second so a waiter also
  reaps dead workers' slots; the whole wait is bounded by ``wait_timeout``. Pub/sub was the
  other candidate: it wakes every subscriber for every free slot, and a message sent while
  nobody listens is lost; a polling loop costs a round trip per waiter per tick.
* **AIMD, shared.** Every call's outcome is counted in the org's state (in the script that
  next gives a slot back: successes are counted in batches); the decision of
  ``_aimd.verdict`` — the one the local limiter uses — is taken by the worker that read the
  counts, and applied only if nobody moved the state meanwhile. So a 429 cluster seen by one
  worker lowers the limit for all, and successes anywhere grow it back. Each worker's
  ``limiter_changed`` hooks fire when it sees the limit move, whoever moved it.
* **Heavy calls** take a slot of the org's heavy sub-limit (10) first, then an ordinary slot.

Every step is one Lua script (atomic, on the server's clock). Waiting blocks one pooled
connection per waiting call.

**Keys expire when idle.** Each script ends by setting every key of the limiter to expire
``idle_expiry`` after it (a day, or three leases if that is longer). Every call, wait and
heartbeat runs a script, and a worker holding slots runs one every third of a lease, so keys
in use never get near it; the keys of a ``key`` nobody uses any more go away a day later, all
at once. A limiter used again after that starts afresh at ``maximum``, as a new one does: a
day-old AIMD state says little about today's load.

**When Redis is unreachable**, taking a slot raises :class:`~zcrm_async.LimiterUnavailableError`
and the call is not sent: never an unbounded fall-back. Giving a slot back that fails is logged
and retried with the next step (or the slot's lease runs out). Runs on redis-py's asyncio
client (the ``redis`` extra): under trio the first call raises
:class:`~zcrm_async.UnsupportedBackendError`.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Literal

import anyio
import attrs

from ._exceptions import InvalidArgumentError, LimiterUnavailableError
from ._hooks import Hooks, HookSet
from ._http._aimd import Tally, verdict
from ._http._limiter import HEAVY_API_LIMIT, hand_over, report_change
from ._logging import logger
from ._redis import RedisConnection
from ._redis_limiter_lua import ACQUIRE, CANCEL, HEARTBEAT, LEAVE, RELEASE, RESIZE, WAIT
from ._urls import REDIS_URL_EXAMPLE

if TYPE_CHECKING:
    from ._config import Config

__all__ = ["RedisLimiter"]

_Sem = Literal["all", "heavy"]
#: Commands in flight per worker (each takes well under 1 ms); more wait for one to finish,
#: so a worker uses at most this many connections, plus one for its tender's ``BLPOP``.
_COMMANDS = 16
#: Seconds the limiter's keys outlive their last use, at least (see the module's docstring).
IDLE_EXPIRY = 86_400.0


class RedisLimiter:
    """The org's concurrency limit, shared through Redis by every client that names ``key``.

    Use it as ``ZohoCRM(config, limiter=RedisLimiter(url, key="my-org"))``, or with the config
    keys ``limiter="redis"``, ``redis_url`` and ``limiter_key``. Every worker should give the
    same ``maximum`` (the org's limit, ``max_concurrency``): the last one to start sets the
    org's, every worker keeps to it, and one given another logs a warning naming both.

    Args:
        url: The Redis server (``redis://``, ``rediss://`` for TLS, ``unix://``).
        key: Names the org's limit: clients with the same key, prefix and server share it.
        maximum: The org's concurrency limit (Zoho: 5-25 by edition).
        minimum: The fewest concurrent calls a cut leaves.
        heavy_limit: The sub-limit of heavy API calls (Zoho: 10).
        key_prefix: Prefix of the Redis keys.
        lease: Seconds a dead worker's slots stay taken (at least 1).
        wait_timeout: The longest a call waits for a slot before
            :class:`~zcrm_async.LimiterUnavailableError`.
        timeout: Seconds each Redis command may take.
        handoffs: How many times in a row a slot may go from a call that ends straight to a
            call of the same worker that waits, before it goes back to the org's queue (0:
            every slot goes back to the org's queue).
        hooks: Hooks that receive ``limiter_changed`` (a client attaches its own when it has
            some and this is None).

    Raises:
        InvalidArgumentError: A value out of range, or an empty ``key``.
    """

    def __init__(
        self,
        url: str = REDIS_URL_EXAMPLE,
        *,
        key: str,
        maximum: int = 10,
        minimum: int = 1,
        heavy_limit: int = HEAVY_API_LIMIT,
        key_prefix: str = "zcrm_async:",
        lease: float = 5.0,
        wait_timeout: float = 300.0,
        timeout: float = 5.0,
        handoffs: int = 16,
        hooks: Hooks | Sequence[Hooks] | None = None,
    ) -> None:
        if not isinstance(key, str) or not key.strip():
            raise InvalidArgumentError(
                f"key must name the org's limit (e.g. the org id), got {key!r}"
            )
        if not (isinstance(maximum, int) and 1 <= maximum <= 1000):
            raise InvalidArgumentError(f"maximum must be a whole number 1..1000, got {maximum!r}")
        if not lease >= 1.0:
            raise InvalidArgumentError(f"lease must be at least 1 second, got {lease!r}")
        if not (isinstance(handoffs, int) and 0 <= handoffs <= 1000):
            raise InvalidArgumentError(f"handoffs must be a whole number 0..1000, got {handoffs!r}")
        if not wait_timeout > 0:
            raise InvalidArgumentError(
                f"wait_timeout must be a number of seconds > 0, got {wait_timeout!r}"
            )
        self._redis = RedisConnection(
            url,
            component="the shared limiter",
            error_class=LimiterUnavailableError,
            timeout=timeout,
            under_trio="the local limiter (limiter='local', a share of the org's limit in "
            "each worker's max_concurrency)",
        )
        self.key = key
        self.prefix = f"{key_prefix}limiter:{{{key}}}:"
        self._maximum = maximum
        self.minimum = max(1, min(minimum, maximum))
        self.heavy_limit = max(1, min(heavy_limit, maximum))
        self.lease = float(lease)
        #: Seconds the keys outlive their last use: a day, or three leases if longer.
        self.idle_expiry = max(IDLE_EXPIRY, 3 * self.lease)
        self.wait_timeout = float(wait_timeout)
        self.handoffs = handoffs
        self.hooks: HookSet | None = HookSet.of(hooks)
        #: This worker's id in Redis (no secret: the process id and a random tag).
        self.worker = f"{os.getpid()}-{secrets.token_hex(6)}"
        self._ticket_ids = itertools.count(1)
        #: How long the tender blocks for a grant before it renews the lease and looks around.
        self._poll = min(1.0, self.lease / 3)
        self._current = maximum
        #: The org's maximum as last seen (the last worker to start set it), and whether this
        #: worker has set it (its first ``ACQUIRE``) and warned of a different one.
        self._org_maximum = maximum
        self._claimed = False
        self._warned_maximum = False
        #: The shared epoch as last seen (bumped by every cut).
        self.epoch = 0
        self._held: dict[_Sem, int] = {"all": 0, "heavy": 0}
        self._to_release: dict[_Sem, int] = {"all": 0, "heavy": 0}
        self._successes = 0
        self._throttled: list[int] = []
        #: Calls waiting for a slot, oldest first, and this worker's tickets in the org's
        #: queue (as many as the waiters or more: a ticket serves the oldest waiter).
        self._queue: dict[_Sem, deque[_Waiter]] = {"all": deque(), "heavy": deque()}
        self._tickets: dict[_Sem, dict[str, None]] = {"all": {}, "heavy": {}}
        self._commands = anyio.Semaphore(_COMMANDS)
        self._looked = 0.0
        self._tender: asyncio.Task[None] | None = None
        self._nudge: asyncio.Event | None = None
        self._used = False
        #: Cuts and regrowths this worker applied, and the scripts it ran (for tests and
        #: benchmarks).
        self.cuts = 0
        self.raises = 0
        self.scripts = 0

    @classmethod
    def from_config(cls, config: Config, hooks: HookSet | None = None) -> RedisLimiter:
        """The limiter ``limiter="redis"`` selects: ``redis_url``, ``limiter_key`` (else the
        client id), ``max_concurrency``, ``redis_key_prefix``, ``limiter_lease`` and
        ``limiter_handoffs``.

        Args:
            config: The client's configuration.
            hooks: The client's hooks.

        Returns:
            The limiter.

        Raises:
            InvalidArgumentError: ``redis_url`` is missing.
        """
        if not config.redis_url:
            raise InvalidArgumentError("limiter='redis' needs redis_url, e.g. " + REDIS_URL_EXAMPLE)
        limiter = cls(
            config.redis_url,
            key=config.limiter_key or config.client_id,
            maximum=config.max_concurrency,
            key_prefix=config.redis_key_prefix,
            lease=config.limiter_lease,
            handoffs=config.limiter_handoffs,
        )
        limiter.hooks = hooks
        return limiter

    def __repr__(self) -> str:
        return f"RedisLimiter({self._redis.where!r}, key={self.key!r}, maximum={self._maximum})"

    @property
    def current(self) -> int:
        """The org's concurrency limit as this worker last saw it."""
        return self._current

    @property
    def maximum(self) -> int:
        """The org's concurrency limit when no 429s cluster (as the last worker to start set it)."""
        return self._org_maximum

    # -- the Limiter protocol -------------------------------------------------------------------

    @asynccontextmanager
    async def slot(self, *, heavy: bool = False) -> AsyncIterator[int]:
        """Hold one of the org's slots (a heavy slot first, for heavy calls).

        Args:
            heavy: The call is one of Zoho's heavy APIs.

        Yields:
            The shared epoch the call starts in.

        Raises:
            LimiterUnavailableError: Redis did not answer, or no slot within ``wait_timeout``.
            UnsupportedBackendError: Under trio.
        """
        sems: tuple[_Sem, ...] = ("heavy", "all") if heavy else ("all",)
        taken: list[tuple[_Sem, int]] = []
        try:
            epoch = self.epoch
            for sem in sems:
                epoch, uses = await self._acquire(sem)
                taken.append((sem, uses))
                self._held[sem] += 1
            self._tend()
            yield epoch
        finally:
            handed = False
            for sem, uses in reversed(taken):
                self._held[sem] -= 1
                handed |= self._free(sem, uses)
            if self._pending() or self._throttled:
                with anyio.CancelScope(shield=True):
                    await self._flush()
            elif handed:
                await hand_over()

    def on_success(self) -> None:
        """A call was not throttled (counted in Redis when a slot is next given back)."""
        self._successes += 1

    def on_throttled(self, epoch: int) -> None:
        """A call that started in ``epoch`` got 429 (counted when its slot is given back).

        Args:
            epoch: What the call's :meth:`slot` yielded.
        """
        self._throttled.append(epoch)

    async def aclose(self) -> None:
        """Give back every slot this worker holds, at once, and close the connections."""
        tender, self._tender = self._tender, None
        if tender is not None and not tender.done():
            tender.cancel()
            if tender.get_loop() is asyncio.get_running_loop():
                # Its end, not just its cancellation: a tender left pending when the loop
                # closes takes its connection (mid-BLPOP) with it, never closed.
                with anyio.CancelScope(shield=True), anyio.move_on_after(self._redis.timeout):
                    await asyncio.wait([tender])
        if self._used:
            with anyio.CancelScope(shield=True), anyio.move_on_after(self._redis.timeout):
                try:
                    await self._script("leaving", LEAVE, self._lease_ms())
                except Exception as exc:  # the lease runs out by itself
                    logger.warning("%s (its slots come back within %gs)", exc, self.lease)
        self._used = False
        await self._redis.aclose()

    # -- internals ------------------------------------------------------------------------------

    def _lease_ms(self) -> int:
        return int(self.lease * 1000)

    async def _script(self, doing: str, source: str, *args: Any) -> Any:
        async with self._commands:
            self.scripts += 1
            call = self._redis.script(source)(
                keys=[f"{self.prefix}state"],
                args=[self.prefix, self.worker, int(self.idle_expiry * 1000), *args],
            )
            return await self._redis.run(doing, call)

    async def _acquire(self, sem: _Sem) -> tuple[int, int]:
        """Take a slot of ``sem``, waiting if none is free: the epoch, and the slot's hand-offs."""
        queue, tickets = self._queue[sem], self._tickets[sem]
        # Queued before any await: a slot freed meanwhile in this worker may serve it.
        waiter = _Waiter(sem)
        queue.append(waiter)
        if len(queue) > len(tickets):  # no ticket of this worker left to serve it: queue one
            ticket = f"{self.worker}|{sem}|{next(self._ticket_ids)}"
            # Listed before the script: another call's reply can carry its grant first.
            tickets[ticket] = None
            claim = not self._claimed
            try:
                granted, epoch, limit, before = await self._script(
                    "taking a slot",
                    ACQUIRE,
                    sem,
                    ticket,
                    self._lease_ms(),
                    self._maximum,
                    self.heavy_limit,
                    int(claim),
                )
            except BaseException:
                tickets.pop(ticket, None)
                await self._leave_queue(waiter)
                raise
            self._used = self._claimed = True
            self._note_maximum(int(before), claim)
            self._observe(int(limit), int(epoch))
            if granted:  # taken at once: the ticket never queued
                tickets.pop(ticket, None)
                if waiter.epoch is None:
                    queue.remove(waiter)
                    return int(epoch), 0
                self._free(sem, 0)  # served meanwhile: the slot just taken is spare
        if waiter.epoch is None and waiter.error is None:
            self._tend()
            # A loop timer, not a cancel scope per waiting call: the timer takes the waiter
            # out of the queue and wakes it.
            loop = asyncio.get_running_loop()
            waiter.served = loop.create_future()
            timer = loop.call_later(self.wait_timeout, self._time_out, waiter)
            try:
                await waiter.served
            except BaseException:
                await self._leave_queue(waiter)
                raise
            finally:
                timer.cancel()
            if waiter.timed_out:
                await self._leave_queue(waiter)
                raise LimiterUnavailableError(
                    f"the shared limiter at {self._redis.where} (key {self.key!r}) gave no "
                    f"slot within {self.wait_timeout:g}s: other workers hold the org's "
                    f"{self._current} slots; raise wait_timeout or lower the load"
                )
        if waiter.error is not None:
            raise waiter.error
        assert waiter.epoch is not None
        return waiter.epoch, waiter.uses

    def _note_maximum(self, before: int, claimed: bool) -> None:
        """The org's maximum after a slot was asked for (``before``: what it was); a worker of
        this key that gave another maximum is logged once."""
        self._org_maximum = self._maximum if claimed else before
        if before == self._maximum or self._warned_maximum:
            return
        self._warned_maximum = True
        if claimed:
            change = f"this worker moved the org's maximum from {before} to {self._maximum}"
        else:
            change = (
                f"the org's maximum is {before}, set by a worker that started later; this "
                f"worker was given {self._maximum} and keeps to {before}"
            )
        logger.warning(
            "the shared limiter (key %r): %s. Every worker sharing a key should give the same "
            "max_concurrency: the last one to start sets the org's",
            self.key,
            change,
        )

    def _time_out(self, waiter: _Waiter) -> None:
        """``wait_timeout`` passed and ``waiter`` has no slot: it leaves the queue, woken."""
        queue = self._queue[waiter.sem]
        if waiter.epoch is None and waiter.error is None and waiter in queue:
            queue.remove(waiter)
            waiter.timed_out = True
            waiter.wake()

    async def _leave_queue(self, waiter: _Waiter) -> None:
        """A waiter gives up: a slot it got meanwhile is free again, and a ticket more than
        this worker's waiters leaves the org's queue (or, granted just now, comes back)."""
        sem = waiter.sem
        queue, tickets = self._queue[sem], self._tickets[sem]
        if waiter in queue:
            queue.remove(waiter)
        if waiter.epoch is not None:  # served just now
            self._free(sem, waiter.uses)
        with anyio.CancelScope(shield=True), anyio.move_on_after(self._redis.timeout):
            if len(tickets) > len(queue):
                ticket = next(reversed(tickets))
                del tickets[ticket]
                try:
                    await self._script("leaving the queue", CANCEL, sem, ticket, self._lease_ms())
                except Exception as error:  # a slot granted to it comes back with the lease
                    logger.warning("%s", error)
            if self._pending():
                await self._flush()

    def _free(self, sem: _Sem, uses: int) -> bool:
        """A slot this worker holds is free: to its longest waiting call (True), or back to
        Redis.

        It stays in the worker only while it has gone from call to call fewer than
        ``handoffs`` times, no 429 waits to be counted, and the worker holds fewer slots than
        the shared limit it last saw.
        """
        queue = self._queue[sem]
        if (
            queue
            and uses < self.handoffs
            and not self._throttled
            and self._held["all"] < self._current
        ):
            self._hand(queue.popleft(), self.epoch, uses + 1)
            return True
        self._to_release[sem] += 1
        return False

    @staticmethod
    def _hand(waiter: _Waiter, epoch: int, uses: int) -> None:
        waiter.epoch = epoch
        waiter.uses = uses
        waiter.wake()

    async def _flush(self) -> None:
        """Give back released slots and count outcomes in one script; then settle the AIMD."""
        n_all, n_heavy = self._to_release["all"], self._to_release["heavy"]
        successes, throttled = self._successes, self._throttled
        self._to_release = {"all": 0, "heavy": 0}
        self._successes, self._throttled = 0, []
        try:
            with anyio.fail_after(self._redis.timeout):
                reply = await self._script(
                    "giving a slot back",
                    RELEASE,
                    self._lease_ms(),
                    n_all,
                    n_heavy,
                    successes,
                    *throttled,
                )
        except Exception as exc:  # kept for the next step; the lease covers a worker that dies
            self._to_release["all"] += n_all
            self._to_release["heavy"] += n_heavy
            logger.warning("%s (retried with the next call)", exc)
            return
        for granted in reply[6:]:  # the queue's head was one of this worker's own tickets
            self._deliver(str(granted))
        try:
            with anyio.fail_after(self._redis.timeout):
                await self._settle([int(value) for value in reply[:6]])
        except Exception as exc:  # another worker's outcome settles it
            logger.warning("%s", exc)

    async def _settle(self, state: list[int]) -> None:
        limit, epoch, version, successes, calls, throttles = state
        self._observe(limit, epoch)
        move = verdict(Tally(limit, self._org_maximum, self.minimum, successes, calls, throttles))
        if move is None:
            return
        applied, limit, epoch = await self._script(
            "moving the limit", RESIZE, self._lease_ms(), version, move.action, move.limit
        )
        if applied and move.action != "decay" and move.limit != self._current:
            if move.action == "cut":
                self.cuts += 1
            else:
                self.raises += 1
        self._observe(int(limit), int(epoch))

    def _observe(self, limit: int, epoch: int) -> None:
        """Note the shared limit and epoch; a moved limit goes to the hooks."""
        self.epoch = epoch
        before, self._current = self._current, limit
        if limit != before:
            report_change(self.hooks, "cut" if limit < before else "regrow", before, limit)

    def _tend(self) -> None:
        """Make sure this worker's tender runs (and wakes up) on the running loop."""
        loop = asyncio.get_running_loop()
        if self._tender is None or self._tender.done() or self._tender.get_loop() is not loop:
            self._nudge = asyncio.Event()
            self._tender = loop.create_task(self._run_tender())
        elif self._nudge is not None:
            self._nudge.set()

    async def _run_tender(self) -> None:
        """While this worker waits or holds slots: read its grants, renew its lease.

        With waiters, it blocks in ``BLPOP`` on the worker's grant list (one connection for
        every waiting call) and hands each grant to its ticket's waiter; a second without one,
        it renews the lease, reaps dead workers' slots and re-queues dropped tickets. Without
        waiters, it renews the lease every third of it while slots are held.
        """
        wake = f"{self.prefix}grant:{self.worker}"
        while self._waiting() or self._held["all"] or self._held["heavy"] or self._pending():
            try:
                if self._waiting():
                    await self._read_grant(wake)
                    continue
                nudge = self._nudge
                if nudge is not None:
                    nudge.clear()
                    with anyio.move_on_after(self.lease / 3):
                        await nudge.wait()
                if self._waiting():
                    continue
                if self._pending():
                    await self._flush()
                elif self._held["all"] or self._held["heavy"]:
                    with anyio.fail_after(self._redis.timeout):
                        await self._script("renewing the lease", HEARTBEAT, self._lease_ms())
            except Exception as exc:  # Redis away: waiters fail now; the lease may lapse
                logger.warning("%s", exc)
                error = (
                    exc
                    if isinstance(exc, LimiterUnavailableError)
                    else LimiterUnavailableError(str(exc))
                )
                for sem in ("all", "heavy"):
                    for waiter in self._queue[sem]:
                        waiter.error = error
                        waiter.wake()
                    self._queue[sem].clear()
                    self._tickets[sem].clear()
                await anyio.sleep(self._poll)

    async def _read_grant(self, wake: str) -> None:
        if self._pending():
            await self._flush()
        client = self._redis.client()
        popped = await self._redis.run(
            "waiting for a slot", client.blpop([wake], timeout=self._poll)
        )
        if popped:
            self._deliver(str(popped[1]))
            if self._pending():
                await self._flush()
        if not popped or time.monotonic() - self._looked >= self._poll:
            # Once a second however busy: renew, reap, and queue again a dropped ticket.
            self._looked = time.monotonic()
            pending = [
                part for sem, tickets in self._tickets.items() for t in tickets for part in (sem, t)
            ]
            await self._script("waiting for a slot", WAIT, self._lease_ms(), *pending)

    def _deliver(self, granted: str) -> None:
        """A grant (``"<ticket> <epoch>"``) to the worker's longest waiting call, or back."""
        ticket, _, epoch = granted.partition(" ")
        sem: _Sem = "heavy" if "|heavy|" in ticket else "all"
        self._tickets[sem].pop(ticket, None)
        queue = self._queue[sem]
        if queue:
            self._hand(queue.popleft(), int(epoch), 0)
        else:  # its call gave up, or was served by a slot of this worker: it goes back
            self._to_release[sem] += 1
            self._tend()

    def _waiting(self) -> bool:
        return any(self._tickets.values()) or any(self._queue.values())

    def _pending(self) -> bool:
        return bool(self._to_release["all"] or self._to_release["heavy"])


@attrs.define(slots=True, eq=False)
class _Waiter:
    """A call waiting for a slot of ``sem``: whoever serves it sets ``epoch`` (or ``error``)
    and how many times the slot went from call to call in this worker, then wakes it."""

    sem: _Sem
    #: Made when the call starts waiting (a call may be served before, during its script).
    served: asyncio.Future[None] | None = None
    epoch: int | None = None
    uses: int = 0
    error: LimiterUnavailableError | None = None
    timed_out: bool = False

    def wake(self) -> None:
        """Resume the waiting call (if it waits, and was not cancelled meanwhile)."""
        if self.served is not None and not self.served.done():
            self.served.set_result(None)
