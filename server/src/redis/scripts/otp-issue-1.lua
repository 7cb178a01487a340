--[[
  Stores a new one-time code for an address, replacing any earlier one
  (and with it its attempt count).

  KEYS[1]  otp:{email}
  ARGV[1]  code hash (hex HMAC)
  ARGV[2]  lifetime in milliseconds

  Returns 1.
]]
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'h', ARGV[1], 'a', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
