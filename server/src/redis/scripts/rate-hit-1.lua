--[[
  Counts one hit in a fixed window (rate limits).

  KEYS[1]  rate:{type}:{id}
  ARGV[1]  window length in milliseconds

  Returns { count, ttlMs }: the hits in the current window including this
  one, and the milliseconds until the window ends.

  INCR and the expiry happen in one step: the blueprint's INCR followed by a
  separate EXPIRE leaks a counter that never expires if the client dies in
  between. A key found without an expiry (written by such a client) is healed.
]]
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return { count, tonumber(ARGV[1]) }
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
