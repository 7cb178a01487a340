--[[
  Reserves one verification attempt on an address's code before the caller
  compares it, so concurrent guesses can never exceed the limit: each guess
  takes a numbered attempt here, atomically, or is refused.

  KEYS[1]  otp:{email}
  ARGV[1]  maximum attempts per code

  Returns { code, hash? }, code:
          0 missing: no live code (expired, used, never sent)
          2 exhausted: attempts used up, the code is void
          1 granted: an attempt is counted; compare the hash (second element) in the caller
]]
local hash = redis.call('HGET', KEYS[1], 'h')
if not hash then
  return { 0 }
end
local attempts = tonumber(redis.call('HGET', KEYS[1], 'a') or '0')
if attempts >= tonumber(ARGV[1]) then
  return { 2 }
end
redis.call('HINCRBY', KEYS[1], 'a', 1)
return { 1, hash }
