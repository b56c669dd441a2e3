"""The Lua scripts of the shared limiter: each one an atomic step on the org's keys in Redis.

Every script gets the key prefix as ``ARGV[1]``, the worker's id as ``ARGV[2]`` and the idle
expiry (ms) as ``ARGV[3]``; the keys (``{prefix}state``, ``alive``, ``held:<sem>``,
``queue:<sem>``, ``seq``, ``grant:<worker>``) share the prefix, which holds a ``{hash tag}`` so
they live in one slot. Time is the server's (``TIME``), so the hosts' clocks do not matter.
``<sem>`` is ``all`` (every CRM call) or ``heavy`` (Zoho's heavy APIs, which take a ``heavy``
slot first, then an ``all`` slot).

Every script ends by setting the idle expiry again on each of the limiter's keys (a worker's
grant list keeps its shorter one, a lease): keys in use never expire, since every call, wait
and heartbeat runs a script, and the keys of a limiter nobody uses any more go away by
themselves, all at once.
"""

from __future__ import annotations

from typing import Final

__all__ = ["ACQUIRE", "CANCEL", "HEARTBEAT", "LEAVE", "RELEASE", "RESIZE", "WAIT"]

# Shared by every script: the clock, the state, liveness, and handing free slots to the queue.
_PRELUDE: Final = """
local P = ARGV[1]
local me = ARGV[2]
local idle_ms = tonumber(ARGV[3])
local S = P .. 'state'
-- Run last by every script: the keys live idle_ms more (a grant list keeps its lease).
local function touch()
  for _, name in ipairs({'state', 'alive', 'held:all', 'held:heavy', 'queue:all',
                         'queue:heavy', 'seq'}) do
    redis.call('PEXPIRE', P .. name, idle_ms)
  end
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local now = now_ms()
local function limit_of(sem)
  return tonumber(redis.call('HGET', S, sem == 'heavy' and 'heavy' or 'limit'))
end
local function used(sem)
  local sum = 0
  for _, n in ipairs(redis.call('HVALS', P .. 'held:' .. sem)) do sum = sum + tonumber(n) end
  return sum
end
local function alive(worker)
  local until_ms = redis.call('ZSCORE', P .. 'alive', worker)
  return until_ms and tonumber(until_ms) > now
end
-- A worker whose lease ran out (killed, or stalled past it) gives its slots back.
local function reap()
  for _, worker in ipairs(redis.call('ZRANGEBYSCORE', P .. 'alive', '-inf', now)) do
    redis.call('HDEL', P .. 'held:all', worker)
    redis.call('HDEL', P .. 'held:heavy', worker)
    redis.call('ZREM', P .. 'alive', worker)
  end
end
local function renew(lease_ms)
  redis.call('ZADD', P .. 'alive', now + lease_ms, me)
end
-- The ticket a free slot of sem goes to: the oldest of the worker holding the fewest slots
-- of sem among those queued, so slots spread over the workers that wait (a worker whose
-- tickets queued first does not take every slot freed, and run all the org's calls in one
-- process while the others idle); nil when nobody is queued.
local function next_ticket(queue, sem)
  local held = {}
  local flat = redis.call('HGETALL', P .. 'held:' .. sem)
  for i = 1, #flat, 2 do held[flat[i]] = tonumber(flat[i + 1]) end
  local best, fewest = nil, nil
  for _, ticket in ipairs(redis.call('ZRANGE', queue, 0, -1)) do
    local n = held[string.match(ticket, '^([^|]+)|') or ''] or 0
    if fewest == nil or n < fewest then
      best, fewest = ticket, n
      if n == 0 then break end
    end
  end
  return best
end
-- Free slots go to the tickets next_ticket picks, of live workers: "<ticket> <epoch>" pushed
-- to the worker's grant list, where its one reader blocks; or, when the script says
-- keep_mine, the calling worker's own grants come back in its reply (no trip through the list).
local keep_mine = false
local mine = {}
local function grant(sem, lease_ms)
  local queue = P .. 'queue:' .. sem
  local free = limit_of(sem) - used(sem)
  while free > 0 do
    local ticket = next_ticket(queue, sem)
    if ticket == nil then return end
    redis.call('ZREM', queue, ticket)
    local worker = string.match(ticket, '^([^|]+)|')
    if worker and alive(worker) then
      redis.call('HINCRBY', P .. 'held:' .. sem, worker, 1)
      local granted = ticket .. ' ' .. redis.call('HGET', S, 'epoch')
      if keep_mine and worker == me then
        table.insert(mine, granted)
      else
        local wake = P .. 'grant:' .. worker
        redis.call('RPUSH', wake, granted)
        redis.call('PEXPIRE', wake, lease_ms)
      end
      free = free - 1
    end
  end
end
local function give_back(sem, n)
  local held = P .. 'held:' .. sem
  local mine = tonumber(redis.call('HGET', held, me) or '0')
  n = math.min(n, mine)
  if n > 0 then redis.call('HINCRBY', held, me, -n) end
end
local function state_reply()
  local s = redis.call('HMGET', S, 'limit', 'epoch', 'version', 'successes', 'calls', 'throttles')
  local reply = {tonumber(s[1]), tonumber(s[2]), tonumber(s[3]), tonumber(s[4]),
                 tonumber(s[5]), tonumber(s[6])}
  for _, granted in ipairs(mine) do table.insert(reply, granted) end
  return reply
end
"""


_EPILOGUE: Final = """
end
local reply = main()
touch()
return reply
"""


def _script(body: str) -> str:
    """A script: the prelude, then ``body`` (which may return early), then ``touch()``."""
    return f"{_PRELUDE}\nlocal function main()\n{body}{_EPILOGUE}"


#: ARGV: prefix, worker, idle ms, sem, ticket, lease ms, maximum, heavy limit, claim (1: the
#: worker's first script sets the org's maximum to its own; 0: only if there is no state yet).
#: The state is made (or, claimed, its maximum set); a free slot with nobody queued is taken
#: at once, else the ticket queues. Returns {1 granted | 0 queued, epoch, limit, the org's
#: maximum before this script}.
ACQUIRE: Final = _script(
    """
local sem, ticket, lease_ms = ARGV[4], ARGV[5], tonumber(ARGV[6])
local maximum, heavy, claim = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9] == '1'
local before = tonumber(redis.call('HGET', S, 'maximum') or maximum)
if redis.call('HSETNX', S, 'limit', maximum) == 1 then
  redis.call('HSET', S, 'epoch', 0, 'version', 0, 'successes', 0, 'calls', 0, 'throttles', 0)
  claim = true
end
if claim then
  redis.call('HSET', S, 'maximum', maximum, 'heavy', math.min(heavy, maximum))
  if tonumber(redis.call('HGET', S, 'limit')) > maximum then
    redis.call('HSET', S, 'limit', maximum)
  end
end
renew(lease_ms)
reap()
grant(sem, lease_ms)
local epoch = tonumber(redis.call('HGET', S, 'epoch'))
local queue = P .. 'queue:' .. sem
if redis.call('ZCARD', queue) == 0 and used(sem) < limit_of(sem) then
  redis.call('HINCRBY', P .. 'held:' .. sem, me, 1)
  return {1, epoch, limit_of('all'), before}
end
redis.call('ZADD', queue, redis.call('INCR', P .. 'seq'), ticket)
return {0, epoch, limit_of('all'), before}
"""
)

#: ARGV: prefix, worker, idle ms, lease ms, then pairs of (sem, ticket) still waiting. After a
#: second without a grant: renew, reap, hand out free slots, and queue again a ticket dropped
#: as a dead worker's (neither queued nor granted). Returns how many were queued again.
WAIT: Final = _script(
    """
local lease_ms = tonumber(ARGV[4])
renew(lease_ms)
reap()
grant('heavy', lease_ms)
grant('all', lease_ms)
local granted = {}
for _, entry in ipairs(redis.call('LRANGE', P .. 'grant:' .. me, 0, -1)) do
  granted[string.match(entry, '^(%S+)')] = true
end
local queued_again = 0
for i = 5, #ARGV, 2 do
  local queue, ticket = P .. 'queue:' .. ARGV[i], ARGV[i + 1]
  if not granted[ticket] and not redis.call('ZSCORE', queue, ticket) then
    redis.call('ZADD', queue, redis.call('INCR', P .. 'seq'), ticket)
    queued_again = queued_again + 1
  end
end
return queued_again
"""
)

#: ARGV: prefix, worker, idle ms, sem, ticket, lease ms. A waiter gives up (cancelled, timed out):
#: its ticket leaves the queue, or the slot granted to it, not yet read, goes back.
CANCEL: Final = _script(
    """
local sem, ticket, lease_ms = ARGV[4], ARGV[5], tonumber(ARGV[6])
if redis.call('ZREM', P .. 'queue:' .. sem, ticket) == 1 then return 0 end
local wake = P .. 'grant:' .. me
for _, entry in ipairs(redis.call('LRANGE', wake, 0, -1)) do
  if string.match(entry, '^(%S+)') == ticket then
    redis.call('LREM', wake, 1, entry)
    give_back(sem, 1)
    grant(sem, lease_ms)
    return 1
  end
end
return 0
"""
)

#: ARGV: prefix, worker, idle ms, lease ms, all slots given back, heavy slots given back, successes,
#: then the epochs of the calls that got 429. Counts the outcomes (a 429 of an older epoch is
#: not counted), frees the slots, hands them out. Returns the state: {limit, epoch, version,
#: successes, calls, throttles}, then the slots granted to this worker's own tickets.
RELEASE: Final = _script(
    """
local lease_ms = tonumber(ARGV[4])
local n_all, n_heavy, successes = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local epoch = tonumber(redis.call('HGET', S, 'epoch'))
local throttles = 0
for i = 8, #ARGV do
  if tonumber(ARGV[i]) == epoch then throttles = throttles + 1 end
end
if successes + throttles > 0 then
  redis.call('HINCRBY', S, 'successes', successes)
  redis.call('HINCRBY', S, 'throttles', throttles)
  redis.call('HINCRBY', S, 'calls', successes + throttles)
end
if alive(me) then
  renew(lease_ms)
  give_back('heavy', n_heavy)
  give_back('all', n_all)
end
reap()
keep_mine = true
grant('heavy', lease_ms)
grant('all', lease_ms)
return state_reply()
"""
)

#: ARGV: prefix, worker, idle ms, lease ms, version read, action (cut, regrow, decay), new limit.
#: Applies a verdict if nobody moved the state since it was read, never above the org's
#: maximum (a worker given a larger one does not regrow past it). Returns {1 applied | 0,
#: limit, epoch}.
RESIZE: Final = _script(
    """
local lease_ms, version = tonumber(ARGV[4]), tonumber(ARGV[5])
local action, limit = ARGV[6], tonumber(ARGV[7])
if tonumber(redis.call('HGET', S, 'version')) ~= version then
  return {0, limit_of('all'), tonumber(redis.call('HGET', S, 'epoch'))}
end
limit = math.min(limit, tonumber(redis.call('HGET', S, 'maximum')))
redis.call('HINCRBY', S, 'version', 1)
if action == 'decay' then
  redis.call('HSET', S, 'calls', math.floor(tonumber(redis.call('HGET', S, 'calls')) / 2),
             'throttles', math.floor(tonumber(redis.call('HGET', S, 'throttles')) / 2))
else
  redis.call('HSET', S, 'limit', limit, 'successes', 0)
  if action == 'cut' then
    redis.call('HINCRBY', S, 'epoch', 1)
    redis.call('HSET', S, 'calls', 0, 'throttles', 0)
  end
  grant('all', lease_ms)
end
return {1, limit_of('all'), tonumber(redis.call('HGET', S, 'epoch'))}
"""
)

#: ARGV: prefix, worker, idle ms, lease ms. A worker holding slots says it is alive; dead
#: workers' slots are handed out. Returns the limit.
HEARTBEAT: Final = _script(
    """
local lease_ms = tonumber(ARGV[4])
if redis.call('HEXISTS', S, 'limit') == 0 then return 0 end
renew(lease_ms)
reap()
grant('heavy', lease_ms)
grant('all', lease_ms)
return limit_of('all')
"""
)

#: ARGV: prefix, worker, idle ms, lease ms. A worker closes: every slot it holds goes back at once.
LEAVE: Final = _script(
    """
local lease_ms = tonumber(ARGV[4])
redis.call('HDEL', P .. 'held:all', me)
redis.call('HDEL', P .. 'held:heavy', me)
redis.call('ZREM', P .. 'alive', me)
redis.call('DEL', P .. 'grant:' .. me)
if redis.call('HEXISTS', S, 'limit') == 1 then
  grant('heavy', lease_ms)
  grant('all', lease_ms)
end
return 1
"""
)
