--[[
  Stores a computed day plan only if nothing invalidated it meanwhile.

  The reader took the day's generation before reading MySQL; a writer that
  changed the day since then has bumped that generation, so a plan computed
  from old rows is dropped instead of overwriting a fresher invalidation.

  KEYS[1] avail:{date}:emp{id}        the cached plan
  KEYS[2] avail-gen:{date}:emp{id}    the day's generation
  KEYS[3] catalogue-gen                the catalogue's generation
  ARGV[1] day generation seen before the read ("0" when absent)
  ARGV[2] catalogue generation seen before the read ("0" when absent)
  ARGV[3] value (JSON)
  ARGV[4] TTL in seconds

  Returns 1 stored
          0 stale: not stored
]]
local dayGen = redis.call('GET', KEYS[2]) or '0'
local catGen = redis.call('GET', KEYS[3]) or '0'
if dayGen ~= ARGV[1] or catGen ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3], 'EX', tonumber(ARGV[4]))
return 1
