--[[
  Takes the expired locks of one employee-day out of its index, so that each
  expiry is reported exactly once however many sweepers run. The caller finds
  due days with ZRANGEBYSCORE locks:days -inf now (a day's score is the
  earliest expiry still in its index), then calls this per day.

  The cells themselves need no work: their PX TTL already removed them.

  KEYS[1] locks:{date}:emp{id}   day index
  KEYS[2] locks:days
  ARGV[1] now (epoch ms)
  ARGV[2] "date|employeeId"
  ARGV[3] at most this many locks per call

  Returns the encoded locks taken (possibly none). Afterwards the day's score
  in locks:days is its new earliest expiry, or the day is gone when empty.
]]
local taken = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(taken) do
  redis.call('ZREM', KEYS[1], member)
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #first == 0 then
  redis.call('ZREM', KEYS[2], ARGV[2])
else
  redis.call('ZADD', KEYS[2], first[2], ARGV[2])
end
return taken
