--[[
  Takes every grid cell of a slot lock, all or none, and records the lock in
  its employee-day index, the lock-days set and the owner's cap set.

  KEYS[1]    locks:{date}:emp{id}   day index: zset member = encoded lock, score = expiry ms
  KEYS[2]    locks:days             zset member = "date|employeeId", score = earliest expiry in that index
  KEYS[3]    locks:client:{ip}      zset member = lockId, score = expiry ms (the per-client cap)
  KEYS[4..3+c] slot:{date}:{time}:emp{id}, one per covered cell (c = ARGV[9])
  KEYS[4+c..] keys only read and returned (the day's cached availability and
              its generations), so the caller needs no second round trip

  ARGV[1] encoded lock (stored as every cell's value and as the index member;
          it carries the SHA-256 of the token, never the token)
  ARGV[2] lockId
  ARGV[3] TTL in ms
  ARGV[4] expiry (epoch ms)
  ARGV[5] now (epoch ms)
  ARGV[6] MAX_LOCKS_PER_CLIENT
  ARGV[7] "date|employeeId"
  ARGV[8] grace in ms: how long expired index entries wait for the sweeper
  ARGV[9] c, the number of cell keys

  Returns {code, value of each read key (false when missing)...}, code:
           1 acquired (also when the cells already hold this very lock: a call
             whose reply the caller gave up on, asked again)
           0 taken: a cell is already locked (nothing written)
          -1 too_many: the owner holds MAX_LOCKS_PER_CLIENT live locks (nothing written)
]]
local lastCell = 3 + tonumber(ARGV[9])
local function answer(code)
  if #KEYS == lastCell then
    return {code}
  end
  local out = redis.call('MGET', unpack(KEYS, lastCell + 1))
  table.insert(out, 1, code)
  return out
end

-- One EXISTS counts every cell at once.
if redis.call('EXISTS', unpack(KEYS, 4, lastCell)) > 0 then
  -- Taken by this lock itself (all cells are written together): an earlier
  -- call with this lockId ran, and its caller did not hear back in time.
  local held = redis.call('GET', KEYS[4])
  if held and string.find(held, '|' .. ARGV[2] .. '|', 1, true) then
    return answer(1)
  end
  return answer(0)
end

-- The owner's expired entries only matter once the set looks full: trimming
-- then (not on every call) gives the same live count and still bounds the set.
local now = tonumber(ARGV[5])
local cap = tonumber(ARGV[6])
if redis.call('ZCARD', KEYS[3]) >= cap then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  if redis.call('ZCARD', KEYS[3]) >= cap then
    return answer(-1)
  end
end

local ttl = tonumber(ARGV[3])
for i = 4, lastCell do
  redis.call('SET', KEYS[i], ARGV[1], 'PX', ttl)
end

-- Entries the sweeper never took (none running) must not pile up forever.
-- Every lock has the same TTL, so the newest one always sets the latest expiry.
local grace = tonumber(ARGV[8])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - grace)
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl + grace)
-- The day's score is its earliest expiry still to sweep (LT keeps an earlier one).
redis.call('ZADD', KEYS[2], 'LT', ARGV[4], ARGV[7])

redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ttl)
return answer(1)
