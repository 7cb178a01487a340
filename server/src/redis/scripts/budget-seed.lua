--[[
  Merges a batch of MySQL's budget counters into Redis, and after the last
  batch says so (KEYS[1]): Redis then decides alone until it is restarted
  empty, flushed or unreachable again.

  The merge keeps the larger of the two counts and the later of the two
  window ends, so it only ever makes a budget stricter, and any number of
  instances may seed at once, or one seed may repeat: the result is the same.

  Seeding takes several calls when MySQL holds many counters. A flush between
  two of them would lose the first batches and yet let the last one set
  KEYS[1]; so the first call takes (or creates) a seeding epoch, KEYS[2], and
  every later call first checks it is still there and the same.

  KEYS[1]      budgets-copied (no expiry)
  KEYS[2]      budgets-copy-epoch (no expiry)
  KEYS[3..n]   rate:{type}:{id}, one per counter of this batch

  ARGV[1]      the epoch: on the first call a fresh random value, taken unless one exists; later, the one the first call returned
  ARGV[2]      "1" on the first call, else "0"
  ARGV[3]      "1" on the last call (then KEYS[1] is set), else "0"
  ARGV[2i+2]   MySQL's count for KEYS[i+2]
  ARGV[2i+3]   the milliseconds until MySQL's window of KEYS[i+2] ends (> 0)

  Returns {code, epoch}:
    1 merged: the batch is in Redis; the epoch to pass to the next call
    0 interrupted: the epoch is gone or another (Redis was flushed meanwhile); start over
]]
if ARGV[2] == '1' then
  redis.call('SET', KEYS[2], ARGV[1], 'NX')
elseif redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return { 0, '' }
end
local epoch = redis.call('GET', KEYS[2])

for i = 1, #KEYS - 2 do
  local key = KEYS[i + 2]
  local hits = tonumber(ARGV[2 * i + 2])
  local ttlMs = tonumber(ARGV[2 * i + 3])
  local count = tonumber(redis.call('GET', key) or '0')
  local ttl = redis.call('PTTL', key)
  if hits > count then
    redis.call('SET', key, hits, 'KEEPTTL')
  end
  if ttl < ttlMs then
    redis.call('PEXPIRE', key, ttlMs)
  end
end

if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], '1')
end
return { 1, epoch }
