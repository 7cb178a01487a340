--[[
  Gives back a reservation of budget-reserve.lua (the verification succeeded:
  only failures count). A counter that is gone (its window ended, Redis was
  flushed) or already at zero is left alone: a refund never creates a counter
  or takes one below zero.

  KEYS[1], …, KEYS[n]  rate:{type}:{id}, the counters the reservation counted in
  ARGV                none

  Returns the number of counters given one back.
]]
local refunded = 0
for i = 1, #KEYS do
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  if count > 0 then
    redis.call('DECR', KEYS[i])
    refunded = refunded + 1
  end
end
return refunded
