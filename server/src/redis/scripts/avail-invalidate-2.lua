--[[
  Invalidates one employee's cached day: bumps its generation (so a reader
  still computing from old rows cannot store its result) and drops the plan.

  KEYS[1] avail:{date}:emp{id}
  KEYS[2] avail-gen:{date}:emp{id}
  ARGV[1] generation TTL in seconds (outlives any cached plan)

  Returns the new generation.
]]
local gen = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[1]))
redis.call('DEL', KEYS[1])
return gen
