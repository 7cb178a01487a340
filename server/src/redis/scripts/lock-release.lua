--[[
  Frees every cell of one lock, checking the owner's token hash here, next to
  the data, so a lock can never be freed by someone who read it a moment ago
  and lost the race (BullMQ's releaseLock habit).

  The caller first read the value of the cell it was asked about (KEYS[4]) to
  learn which cells and owner the lock has; if that value changed since, the
  script refuses with -2 and the caller looks again.

  KEYS[1]    locks:{date}:emp{id}   day index
  KEYS[2]    locks:days
  KEYS[3]    locks:client:{owner}
  KEYS[4]    slot:{date}:{time}:emp{id}, the cell asked about
  KEYS[5..n] every cell of the lock

  ARGV[1] the encoded lock the caller read from KEYS[4]
  ARGV[2] SHA-256 of the caller's token, or "" for a forced (admin) release
  ARGV[3] "date|employeeId"

  Returns  1 released
           0 not_found: nothing is locked at KEYS[4]
          -1 not_owner: locked with another token (nothing changed)
          -2 changed: the lock changed since the caller read it (nothing changed)
]]
local value = redis.call('GET', KEYS[4])
if not value then
  return 0
end
if value ~= ARGV[1] then
  return -2
end
local lockId = string.match(value, '^[^|]*|([^|]*)|')
if ARGV[2] ~= '' and ARGV[2] ~= lockId then
  return -1
end

for i = 5, #KEYS do
  if redis.call('GET', KEYS[i]) == value then
    redis.call('DEL', KEYS[i])
  end
end
redis.call('ZREM', KEYS[3], lockId)
redis.call('ZREM', KEYS[1], value)
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[3])
else
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  redis.call('ZADD', KEYS[2], first[2], ARGV[3])
end
return 1
