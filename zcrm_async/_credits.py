"""API credits: what the client spent over Zoho's rolling 24 hours, and a budget it keeps to.

Zoho charges every API call credits (1 by default, more for some APIs: see
:class:`CreditCosts`) against an organisation-wide allowance per **rolling** 24 hours: a credit
spent at 10:00 is available again at 10:00 the next day, not at midnight. Past the allowance
Zoho answers ``429`` until credits free up, which no retry fixes. A budget counts what the
client spends and, before a call would overspend it, applies a policy:

* ``"raise"`` (the default): :class:`CreditBudgetError`, saying what was spent, when credits
  free up and what to do; nothing is sent;
* ``"wait"``: sleep until enough credits leave the window, then send; a wait longer than
  ``max_wait`` raises :class:`CreditBudgetError` at once rather than sleeping in vain;
* a callable ``hook(usage, cost)`` (plain or ``async``): it may raise (the call is not sent),
  sleep, alert, or return, and then the call is sent and counted even past the budget.

``reserve`` keeps that many credits out of the client's reach (for other integrations of the
org): the policy applies once a call would leave fewer than ``reserve`` credits.

**How the window is counted.** A sliding log of every call (a sorted set of timestamps) would
hold up to millions of entries a day and sum them on every call; a counter that resets daily is
not Zoho's rule. So the window is cut into buckets of ``granularity`` seconds (60 by default):
one counter per bucket and a running total, buckets dropped as they leave the window. Memory is
bounded (1,441 buckets for 24 hours) and a charge is O(1). A credit is counted for one window
plus at most one bucket (never less than Zoho counts it), so the budget errs on the safe side
by at most a minute.

Two stores keep the buckets:

* :class:`LocalCreditBudget`: a dictionary in the process (one worker);
* :class:`RedisCreditBudget`: one Redis hash, shared by every process and host using the same
  server and key prefix. One Lua script (one round trip) drops the buckets that left the
  window, checks the budget and takes credits atomically, so concurrent workers can never
  overspend it together. A process takes them in **blocks** (up to 32 credits, at most 1/16
  of what the budget has left, so a block shrinks to the call's cost near the end) and spends
  them locally on its next calls: a round trip per block, not per call. A block's credits are
  counted in the minute it was taken, as spent, from that moment (other processes see them as
  spent), and serve calls in that minute only: when it ends, the next block's script gives the
  unused ones back to it; :meth:`~CreditBudget.usage` and :meth:`~CreditBudget.aclose` give
  them back too. The script reads the Redis server's clock, so hosts whose clocks disagree
  still share one window. The key expires by itself one window after the last charge. When
  Redis cannot be reached, calls raise :class:`CreditStoreError` and are not sent: a budget is
  never silently skipped.

The budget counts this client's calls only. What Zoho says of the whole org (its
``X-API-CREDITS-REMAINING`` header, sent once half the day's credits are used) is kept as it
comes: :meth:`~CreditBudget.usage` shows the last figure and when it came.

A call is charged before it is sent and given back when Zoho surely did not count it: it was
never sent (no connection), or Zoho refused it before processing it (``401``, ``429``). Other
errors (``400``, ``404``, ``5xx``, a timeout after sending) stay counted, and each retry is a
new call, charged again.
"""

from __future__ import annotations

import abc
import inspect
import math
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final, Literal, NamedTuple, TypedDict, Unpack

import anyio
import attrs

from ._credit_costs import CreditCosts
from ._exceptions import CreditBudgetError, CreditStoreError, InvalidArgumentError, ZCRMError
from ._logging import logger
from ._redis import RedisConnection
from ._urls import REDIS_URL_EXAMPLE

if TYPE_CHECKING:
    from ._config import Config

__all__ = [
    "CREDIT_POLICIES",
    "BudgetOptions",
    "DAY",
    "Charge",
    "CreditBudget",
    "CreditHook",
    "CreditPolicy",
    "CreditUsage",
    "LocalCreditBudget",
    "RedisCreditBudget",
    "budget_from_config",
]

#: Zoho's window: 24 hours, in seconds.
DAY: Final = 86_400.0
#: The policies named by a string (a callable is the third kind).
CREDIT_POLICIES: Final = ("raise", "wait")

#: Called when a call would overspend the budget: ``hook(usage, cost)``, plain or async.
CreditHook = Callable[["CreditUsage", int], Awaitable[None] | None]
CreditPolicy = Literal["raise", "wait"] | CreditHook


class BudgetOptions(TypedDict, total=False):
    """What every credit budget takes besides its size (see :class:`CreditBudget`)."""

    reserve: int
    policy: CreditPolicy
    max_wait: float
    costs: CreditCosts | None
    window: float
    granularity: float | None


@attrs.frozen
class CreditUsage:
    """API credits spent in the current window, and what is left.

    Attributes:
        spent: Credits the client (every process sharing the budget) spent in the window.
            With a Redis budget this includes the unused credits of the blocks that other
            processes hold (a block counts as spent when taken; ``usage()`` gives this
            process's own back first).
        budget: The budget, or None when none is set (spending is then only counted).
        remaining: ``budget - spent`` (never below 0), or None without a budget.
        reserve: Credits kept back: the policy applies once fewer would remain.
        window: The window's length in seconds (Zoho's: 24 hours).
        frees_at: When the oldest credits still counted leave the window (Unix time, seconds),
            or None when nothing is counted.
        store: Where the counter lives: ``"local"`` (this process) or ``"redis"``.
        zoho_remaining: The credits the org had left, by Zoho's count, when an answer last
            said so (its ``X-API-CREDITS-REMAINING`` header, which Zoho is reported to send
            once half the day's credits are used): every integration of the org counted, not
            only this client. None until an answer carried it.
        zoho_seen_at: When that answer came (Unix time, seconds), or None.
    """

    spent: int
    budget: int | None
    remaining: int | None
    reserve: int
    window: float
    frees_at: float | None
    store: str
    zoho_remaining: int | None = None
    zoho_seen_at: float | None = None


class Charge(NamedTuple):
    """Credits taken for one attempt: ``cost`` in the bucket ``bucket`` (to give them back)."""

    bucket: int
    cost: int


class _Taken(NamedTuple):
    """What one attempt to take credits found (``next_free`` only when it was refused or read)."""

    charge: Charge | None
    #: What the store counts (-1 for a charge from a block, which asks no store).
    spent: int
    #: When enough credits for the call free up (None: never, the call costs too much).
    frees_at: float | None
    #: When the oldest counted credits leave the window (None: nothing counted).
    next_free: float | None


class CreditBudget(abc.ABC):
    """A budget of API credits over a rolling window, and the policy when it runs out.

    See :class:`LocalCreditBudget` and :class:`RedisCreditBudget`, and the module
    documentation for the rules.

    Args:
        budget: Credits allowed per window, or None to count only.
        reserve: Credits kept back; the policy applies once fewer would remain.
        policy: ``"raise"``, ``"wait"`` or a callable ``hook(usage, cost)``.
        max_wait: The longest ``"wait"`` sleeps for credits, in seconds.
        costs: What each call costs (Zoho's table by default).
        window: The window, in seconds (Zoho's 24 hours by default).
        granularity: The bucket width, in seconds: how much later than Zoho, at most, a
            credit is freed (default: 1/1,440 of the window, one minute of 24 hours).

    Raises:
        InvalidArgumentError: a value is out of range.
    """

    store: str = ""

    def __init__(
        self,
        budget: int | None = None,
        *,
        reserve: int = 0,
        policy: CreditPolicy = "raise",
        max_wait: float = 300.0,
        costs: CreditCosts | None = None,
        window: float = DAY,
        granularity: float | None = None,
    ) -> None:
        if budget is not None and (type(budget) is not int or budget < 1):
            raise InvalidArgumentError(
                f"budget must be a whole number of API credits >= 1 or None, got {budget!r}"
            )
        if type(reserve) is not int or reserve < 0 or (budget is not None and reserve >= budget):
            raise InvalidArgumentError(
                f"reserve must be a whole number of credits >= 0 and below the budget "
                f"({budget}), got {reserve!r}"
            )
        if not callable(policy) and policy not in CREDIT_POLICIES:
            raise InvalidArgumentError(
                f"policy must be 'raise', 'wait' or a callable hook(usage, cost), got {policy!r}"
            )
        if not (isinstance(max_wait, int | float) and max_wait >= 0):
            raise InvalidArgumentError(f"max_wait must be seconds >= 0, got {max_wait!r}")
        if not (isinstance(window, int | float) and window > 0):
            raise InvalidArgumentError(f"window must be seconds > 0, got {window!r}")
        if granularity is None:
            granularity = window / 1440
        if not (isinstance(granularity, int | float) and 0 < granularity <= window):
            raise InvalidArgumentError(
                f"granularity must be seconds > 0 and at most the window ({window!r}), "
                f"got {granularity!r}"
            )
        self.budget = budget
        self.reserve = reserve
        self.policy = policy
        self.max_wait = float(max_wait)
        #: What each call costs.
        self.costs = costs if costs is not None else CreditCosts()
        self.window = float(window)
        self.granularity = float(granularity)
        #: Buckets counted besides the current one: one window's worth.
        self.buckets = math.ceil(self.window / self.granularity)
        self._limit = None if budget is None else budget - reserve
        #: Zoho's last word on the org's credits left, and when it came.
        self._zoho: tuple[int, float] | None = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(budget={self.budget!r}, reserve={self.reserve!r}, "
            f"policy={self.policy!r})"
        )

    async def charge(self, cost: int) -> Charge:
        """Take ``cost`` credits for one call, applying the policy when the budget is short.

        Args:
            cost: The call's cost in credits.

        Returns:
            What was taken, for :meth:`refund`.

        Raises:
            CreditBudgetError: the policy is ``"raise"``, or ``"wait"`` would wait longer than
                ``max_wait``.
            CreditStoreError: the shared counter cannot be reached.
        """
        started: float | None = None
        while True:
            taken = await self._take(cost, self._limit)
            if taken.charge is not None:
                return taken.charge
            if started is None:
                started = time.monotonic()
            usage = self._usage(taken.spent, taken.next_free)
            if callable(self.policy):
                outcome = self.policy(usage, cost)
                if inspect.isawaitable(outcome):
                    await outcome
                forced = (await self._take(cost, None)).charge
                assert forced is not None
                return forced
            waited = time.monotonic() - started
            if self.policy == "wait" and taken.frees_at is not None:
                delay = max(taken.frees_at - self._now(), 0.0) + 0.001
                if waited + delay <= self.max_wait:
                    await anyio.sleep(delay)
                    continue
            raise CreditBudgetError(
                self._refusal(usage, cost, taken.frees_at, waited), usage=usage, cost=cost
            )

    async def refund(self, charge: Charge) -> None:
        """Give back a charge Zoho did not count (if its bucket is still in the window).

        Args:
            charge: What :meth:`charge` returned.

        Raises:
            CreditStoreError: the shared counter cannot be reached.
        """
        if charge.cost:
            await self._give_back(charge)

    async def usage(self) -> CreditUsage:
        """What was spent in the window and what is left (a Redis budget gives its unused
        block back first: see :class:`RedisCreditBudget`).

        Returns:
            The credits spent in the window (Zoho's rolling 24 hours), the budget, what remains
            and when credits free up.

        Raises:
            CreditStoreError: the shared counter cannot be reached.
        """
        taken = await self._take(0, None)
        return self._usage(taken.spent, taken.next_free)

    def note_zoho_remaining(self, credits: int) -> None:
        """Remember the credits Zoho said the org has left (``X-API-CREDITS-REMAINING``), and
        when, for :meth:`usage`.

        Args:
            credits: The header's figure.
        """
        self._zoho = (credits, self._now())

    async def aclose(self) -> None:  # noqa: B027 - a budget may hold nothing to close
        """Release what the budget holds (a Redis connection)."""

    # -- what a store provides ---------------------------------------------------------------

    @abc.abstractmethod
    async def _take(self, cost: int, limit: int | None) -> _Taken:
        """Drop expired buckets; add ``cost`` if ``spent + cost <= limit`` (or no limit)."""

    @abc.abstractmethod
    async def _give_back(self, charge: Charge) -> None:
        """Subtract a charge from its bucket, if that bucket is still counted."""

    @abc.abstractmethod
    def _now(self) -> float:
        """The clock the window is measured on (Unix time, seconds)."""

    # -- shared ------------------------------------------------------------------------------

    def _usage(self, spent: int, next_free: float | None) -> CreditUsage:
        return CreditUsage(
            spent=spent,
            budget=self.budget,
            remaining=None if self.budget is None else max(0, self.budget - spent),
            reserve=self.reserve,
            window=self.window,
            frees_at=next_free,
            store=self.store,
            zoho_remaining=None if self._zoho is None else self._zoho[0],
            zoho_seen_at=None if self._zoho is None else self._zoho[1],
        )

    def _refusal(self, usage: CreditUsage, cost: int, frees_at: float | None, waited: float) -> str:
        window = f"{self.window / 3600:g} h" if self.window >= 3600 else f"{self.window:g} s"
        kept = f", {usage.reserve:,} kept in reserve" if usage.reserve else ""
        message = (
            f"API credit budget reached: {usage.spent:,} of {usage.budget:,} credits spent in "
            f"the last {window}{kept}; this call costs {cost:,} and was not sent. "
        )
        if frees_at is None:
            return message + (
                "It costs more than the budget can ever allow: raise credit_budget, lower "
                "credit_reserve, or give the call a lower cost"
            )
        when = datetime.fromtimestamp(frees_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        wait = max(0.0, frees_at - self._now())
        message += f"Enough credits free up at {when} (in {wait:,.0f} s). "
        if self.policy == "wait":
            return message + (
                f"Waited {waited:.1f} s; that is beyond credit_max_wait={self.max_wait:g} s: "
                "raise it, raise credit_budget if your Zoho edition allows more, or try later"
            )
        return message + (
            "Try then, set credit_policy='wait' to wait for them (up to credit_max_wait), "
            "or raise credit_budget if your Zoho edition allows more"
        )


class LocalCreditBudget(CreditBudget):
    """A credit budget counted in this process (one worker; tasks and views share it).

    Args:
        budget: Credits allowed per window, or None to count only.
        clock: Unix time in seconds (``time.time``; tests pass their own).
        **options: ``reserve``, ``policy``, ``max_wait``, ``costs``, ``window`` and
            ``granularity``, as for :class:`CreditBudget`.

    Raises:
        InvalidArgumentError: a value is out of range.
    """

    store = "local"

    def __init__(
        self,
        budget: int | None = None,
        *,
        clock: Callable[[], float] = time.time,
        **options: Unpack[BudgetOptions],
    ) -> None:
        super().__init__(budget, **options)
        self._clock = clock
        #: Credits per bucket, oldest first (buckets are added in time order).
        self._counts: dict[int, int] = {}
        self._spent = 0
        self._newest = -1

    def _now(self) -> float:
        return self._clock()

    def _expire(self) -> int:
        """Drop the buckets that left the window; the current bucket."""
        current = max(int(self._clock() // self.granularity), self._newest)
        first = current - self.buckets
        counts = self._counts
        while counts:
            oldest = next(iter(counts))
            if oldest >= first:
                break
            self._spent -= counts.pop(oldest)
        return current

    def _freed_at(self, bucket: int) -> float:
        return (bucket + self.buckets + 1) * self.granularity

    async def _take(self, cost: int, limit: int | None) -> _Taken:
        current = self._expire()
        if limit is None or self._spent + cost <= limit:
            if cost:
                self._counts[current] = self._counts.get(current, 0) + cost
                self._spent += cost
                self._newest = current
            next_free = None if cost else self._next_free()  # a read: when credits free up
            return _Taken(Charge(current, cost), self._spent, None, next_free)
        return _Taken(None, self._spent, self._frees_at(cost, limit), self._next_free())

    def _next_free(self) -> float | None:
        return self._freed_at(next(iter(self._counts))) if self._counts else None

    def _frees_at(self, cost: int, limit: int) -> float | None:
        need = self._spent + cost - limit
        if cost > limit:
            return None
        freed = 0
        for bucket, count in self._counts.items():
            freed += count
            if freed >= need:
                return self._freed_at(bucket)
        return None  # pragma: no cover - need <= spent whenever cost <= limit

    async def _give_back(self, charge: Charge) -> None:
        self._expire()
        count = self._counts.get(charge.bucket)
        if count is None:
            return
        back = min(count, charge.cost)
        self._spent -= back
        if count > back:
            self._counts[charge.bucket] = count - back
        else:
            del self._counts[charge.bucket]


#: The most credits a Redis budget takes in one block by default: one round trip per 32 calls.
BLOCK: Final = 32
#: A block is at most this fraction (1/16) of what the budget has left, so it shrinks to the
#: call's own cost near the end of the budget.
BLOCK_SHARE: Final = 16

#: One script for every operation on the shared counter (one round trip each).
#: KEYS[1] is the hash: a field per bucket, ``total`` and ``oldest`` (the oldest bucket kept).
#: ARGV: now in ms ('' for the server's clock), bucket width in ms, buckets counted besides the
#: current one, key lifetime in ms; credits to give back and their bucket (0: none); the least
#: and the most to take (0 and 0: only read), the limit (-1: none) and the share of what is
#: left that one block may take. It drops the buckets that left the window, gives back, then,
#: if ``least`` fits the limit, takes between ``least`` and ``most`` in the current bucket.
#: Returns {taken, spent, bucket, frees_at_ms, next_free_ms, now_ms, took}.
_SCRIPT = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local g = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local back = tonumber(ARGV[5])
local least = tonumber(ARGV[7])
local most = tonumber(ARGV[8])
local limit = tonumber(ARGV[9])
local current = math.floor(now / g)
local first = current - n
local state = redis.call('HMGET', key, 'total', 'oldest')
local total = tonumber(state[1] or 0)
local oldest = tonumber(state[2] or current)
if oldest < first then
  if first - oldest > n then
    redis.call('DEL', key)
    total = 0
    oldest = current
  else
    for b = oldest, first - 1 do
      local v = redis.call('HGET', key, b)
      if v then
        total = total - tonumber(v)
        redis.call('HDEL', key, b)
      end
    end
    oldest = first
    redis.call('HSET', key, 'total', total, 'oldest', oldest)
  end
end
if back > 0 then
  local b = tonumber(ARGV[6])
  local v = tonumber(redis.call('HGET', key, b) or 0)
  if b >= first and v > 0 then
    local give = math.min(v, back)
    total = total - give
    if v > give then redis.call('HINCRBY', key, b, -give) else redis.call('HDEL', key, b) end
    redis.call('HSET', key, 'total', total)
  end
end
local function freed_at(b) return (b + n + 1) * g end
local function next_free()
  if total <= 0 then return -1 end
  for b = oldest, current do
    if tonumber(redis.call('HGET', key, b) or 0) > 0 then return freed_at(b) end
  end
  return -1
end
if most == 0 then return {1, total, current, -1, next_free(), now, 0} end
if limit < 0 or total + least <= limit then
  local took = most
  if limit >= 0 then
    took = math.max(least, math.min(most, math.floor((limit - total) / tonumber(ARGV[10]))))
  end
  redis.call('HINCRBY', key, current, took)
  total = total + took
  redis.call('HSET', key, 'total', total, 'oldest', math.min(oldest, current))
  redis.call('PEXPIRE', key, ARGV[4])
  return {1, total, current, -1, -1, now, took}
end
local frees = -1
if least <= limit then
  local need = total + least - limit
  local freed = 0
  for b = oldest, current do
    freed = freed + tonumber(redis.call('HGET', key, b) or 0)
    if freed >= need then
      frees = freed_at(b)
      break
    end
  end
end
return {0, total, current, frees, next_free(), now, 0}
"""


class RedisCreditBudget(CreditBudget):
    """A credit budget shared through Redis by every process and host using the same server
    and key prefix (one hash, ``{key_prefix}credits``), taken in blocks.

    A process takes credits from Redis in **blocks** (one script: up to ``block`` credits, at
    most 1/16 of what the budget has left, never less than the call's cost) and spends them
    on its next calls without a round trip. A block's credits are counted in Redis, in the
    minute it was taken, from the moment it is taken: other processes see them as spent. Its
    unused credits are given back when the minute ends (with the next block, in the same
    script), by :meth:`usage` and by :meth:`aclose`; a process that dies without closing
    leaves them counted until they leave the window (too many, never too few).

    Args:
        url: ``redis://[[user]:password@]host:port/db`` (``rediss://`` for TLS).
        budget: Credits allowed per window, or None to count only.
        key_prefix: Prefix of the counter's key (one counter per Zoho org: give each org
            its own prefix).
        timeout: Bounds every Redis command, in seconds.
        clock: Unix time in seconds; None (the default) uses the Redis server's clock, the
            same for every host.
        block: The most credits taken from Redis at once (1: one round trip per call).
        **options: ``reserve``, ``policy``, ``max_wait``, ``costs``, ``window`` and
            ``granularity``, as for :class:`CreditBudget`.

    Needs the ``redis`` extra and asyncio (under trio, calls raise
    :class:`UnsupportedBackendError`). When Redis cannot be reached, calls raise
    :class:`CreditStoreError` and are not sent.

    Raises:
        InvalidArgumentError: a value is out of range or the URL is not a Redis URL.
    """

    store = "redis"

    def __init__(
        self,
        url: str = REDIS_URL_EXAMPLE,
        budget: int | None = None,
        *,
        key_prefix: str = "zcrm_async:",
        timeout: float = 10.0,
        clock: Callable[[], float] | None = None,
        block: int = BLOCK,
        **options: Unpack[BudgetOptions],
    ) -> None:
        super().__init__(budget, **options)
        if type(block) is not int or block < 1:
            raise InvalidArgumentError(
                f"block must be a whole number of credits >= 1, got {block!r}"
            )
        self._redis = RedisConnection(
            url,
            component="Redis credit budget",
            error_class=CreditStoreError,
            timeout=timeout,
            under_trio="a LocalCreditBudget (credit_store='local')",
        )
        self._clock = clock
        #: The hash that holds the buckets.
        self.key = f"{key_prefix}credits"
        #: The most credits taken from Redis at once.
        self.block = block
        self._granularity_ms = max(1, round(self.granularity * 1000))
        self._lifetime_ms = (self.buckets + 2) * self._granularity_ms
        #: The Redis server's clock minus this host's, learnt from the last answer.
        self._offset = 0.0
        #: The server's clock in ms minus this host's monotonic clock in ms, measured from
        #: before the command was sent: an estimate of the server's time never behind it.
        self._ahead_ms = 0
        # This process's block: ``_left`` credits counted in Redis in ``_bucket``, not used
        # yet, that serve calls while the window's clock (ms) is below ``_ends_ms``.
        self._bucket = -1
        self._left = 0
        self._ends_ms = 0
        #: Set while one task exchanges the block with Redis; the others wait for it.
        self._exchanging: anyio.Event | None = None

    def __repr__(self) -> str:
        return (
            f"RedisCreditBudget({self._redis.where!r}, budget={self.budget!r}, "
            f"key={self.key!r}, policy={self.policy!r})"
        )

    def _now(self) -> float:
        return self._clock() if self._clock is not None else time.time() + self._offset

    def _now_ms(self) -> int:
        """The window's clock in ms: the given clock's, or the server's as estimated here."""
        if self._clock is not None:
            return round(self._clock() * 1000)
        return math.ceil(time.monotonic() * 1000) + self._ahead_ms

    async def _take(self, cost: int, limit: int | None) -> _Taken:
        while True:
            if cost and self._left >= cost and self._now_ms() < self._ends_ms:
                self._left -= cost
                return _Taken(Charge(self._bucket, cost), -1, None, None)
            exchanging = self._exchanging
            if exchanging is None:
                break
            await exchanging.wait()  # bounded: one script, bounded by the Redis timeout
        # A read takes nothing, a call forced past the budget by a hook only its cost.
        forced = limit is None and self._limit is not None
        most = 0 if not cost else cost if forced else max(cost, self.block)
        doing = "counting API credits" if cost else "reading API credits"
        if most == cost and not self._left:
            # No block comes or goes (block=1, a read, a forced call): nothing of this
            # process's state to protect, so such scripts run side by side, as calls do.
            return await self._run(doing, cost, most, limit, 0, self._bucket, shield=False)
        # The block's script runs alone (the others wait for its block), shielded from
        # cancellation (bounded by the timeout) so that its answer is never lost. The unused
        # credits leave this process before it runs: if it fails, they stay counted (too
        # many, never too few), never spent twice.
        self._exchanging = anyio.Event()
        try:
            back, self._left, self._ends_ms = self._left, 0, 0
            return await self._run(doing, cost, most, limit, back, self._bucket, shield=True)
        finally:
            exchanging, self._exchanging = self._exchanging, None
            exchanging.set()

    async def _give_back(self, charge: Charge) -> None:
        if charge.bucket == self._bucket and self._now_ms() < self._ends_ms:
            self._left += charge.cost  # still the block's minute: it serves a later call
            return
        doing = "giving API credits back"
        await self._run(doing, 0, 0, None, charge.cost, charge.bucket, shield=False)

    async def _run(
        self,
        doing: str,
        least: int,
        most: int,
        limit: int | None,
        back: int,
        bucket: int,
        *,
        shield: bool,
    ) -> _Taken:
        script = self._redis.script(_SCRIPT)
        now = "" if self._clock is None else self._now_ms()
        argv = [now, self._granularity_ms, self.buckets, self._lifetime_ms, back, bucket]
        argv += [least, most, -1 if limit is None else limit, BLOCK_SHARE]
        sent_at = time.monotonic()
        with anyio.CancelScope(shield=shield):
            answer = await self._redis.run(doing, script(keys=[self.key], args=argv))
        taken, spent, current, frees, next_free, server_ms, took = (int(v) for v in answer)
        if self._clock is None:  # the server's clock: keep this host's notion of it
            self._offset = server_ms / 1000 - time.time()
            self._ahead_ms = server_ms - math.floor(sent_at * 1000)
        if took > least:
            self._bucket, self._left = current, took - least
            self._ends_ms = (current + 1) * self._granularity_ms
        charge = Charge(current, least) if taken else None
        return _Taken(charge, spent, _seconds(frees), _seconds(next_free))

    async def aclose(self) -> None:
        """Give this process's unused credits back to Redis, then close the connections."""
        held = self._left
        if held or self._exchanging is not None:
            try:
                await self._take(0, None)  # a read: it gives the block back
            except ZCRMError as error:  # they stay counted: too many, never too few
                logger.warning("could not give back %d API credit(s): %s", held, error)
        await self._redis.aclose()


def _seconds(ms: int) -> float | None:
    return None if ms < 0 else ms / 1000


def budget_from_config(config: Config) -> CreditBudget:
    """The budget the ``credit_*`` keys describe (a counter without limit when none is set)."""
    costs = CreditCosts().with_costs(dict(config.credit_costs)) if config.credit_costs else None
    common: BudgetOptions = {
        "reserve": config.credit_reserve,
        "policy": config.credit_policy,
        "max_wait": config.credit_max_wait,
        "costs": costs,
    }
    if config.credit_store == "redis":
        assert config.redis_url is not None  # Config checks it
        return RedisCreditBudget(
            config.redis_url,
            config.credit_budget,
            key_prefix=config.redis_key_prefix,
            block=config.credit_block,
            **common,
        )
    return LocalCreditBudget(config.credit_budget, **common)
