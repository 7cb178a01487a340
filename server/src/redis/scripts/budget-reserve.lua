--[[
  Reserves one failure in every budget of a verification, or in none: each
  counter is checked in the given order (the client's before the address's,
  so a client out of guesses cannot spend an address's budget) and only when
  every one is below its limit are they all counted. A refused attempt counts
  nowhere (only failures count, and a refusal compares nothing).

  The counters must hold every failure MySQL knows of before Redis may
  decide: KEYS[1] says they do. Without it (Redis restarted empty, flushed,
  never seeded) nothing is counted and the caller seeds Redis from MySQL.

  A reservation is made once: the caller names it (KEYS[2]), and a second
  call with the same name (the caller asking again after a reply that came
  later than its timeout, when the first call may have run) finds it and
  answers as the first did, counting nothing more.

  KEYS[1]      budgets-copied: present while Redis holds every budget counter of MySQL
  KEYS[2]      budget-reservation:{random id}: this reservation's own key, kept for a minute
  KEYS[3..n]   rate:{type}:{id}, one per budget, in the order they are checked

  ARGV[2i-1]   the limit of KEYS[i+2]
  ARGV[2i]     its window in milliseconds (a fixed window from the counter's first reservation)

  Returns {code, ...}:
    1 reserved: every counter counted one; then, per counter, the milliseconds until its window ends
    0 unseeded: KEYS[1] is missing; nothing counted
    2 refused: the first counter at its limit; then its position (1 = KEYS[3]) and the milliseconds until its window ends
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return { 0 }
end

-- A counter's first reservation starts its window; a counter found without an expiry gets one too (one that never ended would refuse forever).
local function ttlOf(key, windowMs)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, windowMs)
    ttl = tonumber(windowMs)
  end
  return ttl
end

local budgets = #KEYS - 2

-- Made already (this is the caller asking again): the same answer, nothing counted twice.
if redis.call('EXISTS', KEYS[2]) == 1 then
  local reply = { 1 }
  for i = 1, budgets do
    reply[i + 1] = ttlOf(KEYS[i + 2], ARGV[2 * i])
  end
  return reply
end

for i = 1, budgets do
  local key = KEYS[i + 2]
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[2 * i - 1]) then
    return { 2, i, ttlOf(key, ARGV[2 * i]) }
  end
end

local reply = { 1 }
for i = 1, budgets do
  local key = KEYS[i + 2]
  redis.call('INCR', key)
  reply[i + 1] = ttlOf(key, ARGV[2 * i])
end
-- A minute: far longer than a late reply and the one retry that follows it.
redis.call('SET', KEYS[2], 1, 'PX', 60000)
return reply
